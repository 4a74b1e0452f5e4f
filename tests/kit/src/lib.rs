//! PhotoSync's test support, shared by every suite under `tests/` (and kept out of the shipped
//! library): each module is one concern.
