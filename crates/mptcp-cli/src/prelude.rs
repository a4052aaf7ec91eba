//! The `alloc` names std's prelude gave every module; the CLI is `#![no_std]`.

pub use alloc::borrow::ToOwned;
pub use alloc::boxed::Box;
pub use alloc::string::{String, ToString};
pub use alloc::vec;
pub use alloc::vec::Vec;

// Unit tests run with std, whose prelude's `format!` a second one would make ambiguous.
#[cfg(test)]
pub use alloc::format;

/// `format!`, through [`crate::os::text::format`]: the same `String` without alloc's
/// `String` formatter in the binary.
#[cfg(not(test))]
#[allow(unused_macros, reason = "without the `follow` feature nothing formats a `String`")]
macro_rules! format {
    ($($arg:tt)*) => {
        $crate::os::text::format(core::format_args!($($arg)*))
    };
}
#[cfg(not(test))]
#[allow(unused_imports, reason = "without the `follow` feature nothing formats a `String`")]
pub(crate) use format;
