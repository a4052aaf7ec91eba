//! Test support shared by the kernel-in-the-loop and conformance tests.
