//! The WGSL kernels, each loaded from its own `.wgsl` file and named for the pipeline cache.

/// One compute kernel: a cache key and its WGSL source with a `main` entry point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kernel {
    pub name: &'static str,
    pub source: &'static str,
}

/// Threads per workgroup of the element-wise kernels; must match `@workgroup_size` in their sources.
pub const ELEMENTWISE_WORKGROUP: u32 = 256;

pub const AXPY: Kernel = Kernel { name: "axpy", source: include_str!("shaders/axpy.wgsl") };
