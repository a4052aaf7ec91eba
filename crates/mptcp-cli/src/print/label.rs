//! Interface names as the kernel keeps them: bytes, printed as they are (iproute2's
//! `ll_index_to_name`), or `if<N>` for an index no link has.

use nlsock::IfName;

/// What can be printed as an interface: its bytes, never converted (a name need not be
/// UTF-8, and iproute2 prints it as it is in text, colour and JSON alike).
pub trait Label {
    /// The bytes to print.
    fn label(&self) -> &[u8];
}

impl Label for str {
    fn label(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Label for [u8] {
    fn label(&self) -> &[u8] {
        self
    }
}

impl<T: Label + ?Sized> Label for &T {
    fn label(&self) -> &[u8] {
        (**self).label()
    }
}

/// An interface as `ip` prints it: the name the kernel gave, byte for byte, or `if<N>`
/// when it has none. At most 15 bytes (a name) or 12 (`if` and ten digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfLabel {
    bytes: [u8; 16],
    len: u8,
}

impl IfLabel {
    /// The kernel's name, as it is.
    pub fn name(name: &IfName) -> IfLabel {
        let mut l = IfLabel { bytes: [0; 16], len: 0 };
        // At most 16 bytes are kept (a kernel name has 15).
        for &b in name.as_bytes() {
            l.push(b);
        }
        l
    }

    /// `if<N>`, iproute2's label of an index without a name.
    pub fn number(index: u32) -> IfLabel {
        let mut l = IfLabel { bytes: [0; 16], len: 0 };
        l.push(b'i');
        l.push(b'f');
        // The digits from the last; a u32 has at most ten.
        let mut digits = [0u8; 10];
        let mut n = index;
        let mut len = 0;
        for slot in digits.iter_mut().rev() {
            *slot = b'0' + (n % 10) as u8;
            n /= 10;
            len += 1;
            if n == 0 {
                break;
            }
        }
        for &d in digits.iter().skip(digits.len() - len) {
            l.push(d);
        }
        l
    }

    fn push(&mut self, b: u8) {
        if let Some(slot) = self.bytes.get_mut(usize::from(self.len)) {
            *slot = b;
            self.len += 1;
        }
    }

    /// The bytes to print.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }
}

impl Label for IfLabel {
    fn label(&self) -> &[u8] {
        self.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_iproute2() {
        for n in [0, 7, 99, 4_294_967_295] {
            assert_eq!(IfLabel::number(n).as_bytes(), format!("if{n}").as_bytes());
        }
    }
}
