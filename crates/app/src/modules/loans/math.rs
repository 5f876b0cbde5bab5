//! The schedule arithmetic of loans (to be written).
