//! The HTML report in a real browser: Debian's headless Chromium (scripts/setup.d/chromium.sh)
//! loads reports made by the real `photosync` binary from the example data, from the example
//! tenant in the emulator and from hostile names, and the tests read the DOM it built: row
//! counts, filters, escaping, and that the page made no network request.

mod browser;

mod pages;
