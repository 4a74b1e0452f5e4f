//! Contract tests: the real photosync binary, fed exactly the JSON Lines the module sends.
