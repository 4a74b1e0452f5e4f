//! A Microsoft 365 tenant emulator (built under its own issue).
