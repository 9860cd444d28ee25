//! The wgpu context: adapter, device and queue, the pipeline cache, and device-health tracking.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use super::recorder::{BindingKey, CachedBinding};
use super::{GpuError, GpuTensor, Kernel};
use crate::engine::backend::Packed;
use crate::engine::AdapterSummary;

/// A kernel's name and the constants its pipeline is made with (as bits, to be hashed).
type PipelineKey = (&'static str, Vec<(&'static str, u64)>);

/// A GPU device ready to run kernels. Pipelines are compiled once per kernel and reused.
pub struct GpuContext {
    device: wgpu::Device,
    queue: wgpu::Queue,
    adapter: AdapterSummary,
    pipelines: RefCell<HashMap<PipelineKey, wgpu::ComputePipeline>>,
    /// Set by wgpu's callbacks when the device is lost or a command fails outside an error scope.
    failure: Arc<Mutex<Option<GpuError>>>,
    /// The compute pass the pending encoder's dispatches go into, open until a copy or a
    /// submission (declared first, so it ends before the encoder drops).
    pub(super) pass: RefCell<Option<wgpu::ComputePass<'static>>>,
    /// Commands recorded since the last submission.
    pub(super) pending: RefCell<Option<wgpu::CommandEncoder>>,
    /// How many submissions this context has made.
    pub(super) submissions: Cell<u64>,
    /// Bind groups and their uniforms, made on an op's first use and reused every step after.
    pub(super) bindings: RefCell<HashMap<BindingKey, CachedBinding>>,
    /// Ids of dropped tensors whose cached bind groups are still to be released.
    pub(super) dropped: Rc<RefCell<Vec<u64>>>,
    /// Internal scratch tensors (per-row losses, partial sums), one per purpose.
    pub(super) scratch: RefCell<HashMap<&'static str, Rc<GpuTensor>>>,
    /// An op's failure (a scratch tensor it could not get), reported by the next submit or read.
    deferred: RefCell<Option<GpuError>>,
    /// Which matmul kernel `Backend::matmul` records.
    pub(super) matmul_variant: Cell<MatmulVariant>,
    /// Dispatches recorded since the context was made (for the profile's dispatches per step).
    pub(super) dispatches: Cell<u64>,
    /// Each texel product operand's texture, by tensor id (see texels.rs).
    pub(super) texels: RefCell<HashMap<u64, wgpu::TextureView>>,
}

/// The matmul kernels to choose from: the tiled ones (workgroup memory) suit hardware GPUs; the
/// register-blocked ones (no workgroup memory, no barriers) run 2-5x faster on software adapters,
/// where workgroup memory is ordinary memory behind a barrier; the texel ones are register-blocked
/// products that read their operands from textures, faster again on software adapters, for the
/// shapes they take (others run the register-blocked kernels); the naive one is the reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatmulVariant {
    Tiled,
    Registers,
    Texels,
    Naive,
}

impl MatmulVariant {
    /// The variant a context starts with on `adapter`.
    pub fn for_adapter(adapter: &AdapterSummary) -> Self {
        if adapter.is_software() {
            MatmulVariant::Texels
        } else {
            MatmulVariant::Tiled
        }
    }
}

impl GpuContext {
    /// The adapter a context would open, without opening a device (nothing is compiled).
    pub async fn adapter_only() -> Result<AdapterSummary, GpuError> {
        Ok(AdapterSummary::from_info(&Self::request_adapter().await?.get_info()))
    }

    /// WebGPU's adapter in a browser that offers one; Vulkan's (llvmpipe where there is no GPU) natively.
    async fn request_adapter() -> Result<wgpu::Adapter, GpuError> {
        #[cfg(target_arch = "wasm32")]
        if !wgpu::util::is_browser_webgpu_supported().await {
            return Err(GpuError::NoAdapter("this browser does not offer WebGPU (navigator.gpu is missing or has no adapter)".into()));
        }
        let instance = wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
        instance
            .request_adapter(&wgpu::RequestAdapterOptions {
                power_preference: wgpu::PowerPreference::HighPerformance,
                force_fallback_adapter: false,
                compatible_surface: None,
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::NoAdapter(e.to_string()))
    }

    /// Finds the best adapter (a high-performance one where there is a choice) and opens a device on it.
    pub async fn new() -> Result<Self, GpuError> {
        let adapter = Self::request_adapter().await?;
        let summary = AdapterSummary::from_info(&adapter.get_info());
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("nas-playground"),
                required_limits: adapter.limits(),
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::DeviceRequest(e.to_string()))?;

        let failure = Arc::new(Mutex::new(None));
        let lost = Arc::clone(&failure);
        device.set_device_lost_callback(move |reason, message| {
            let text = if message.is_empty() { format!("{reason:?}") } else { message };
            lost.lock().unwrap().get_or_insert(GpuError::DeviceLost(text));
        });
        let uncaptured = Arc::clone(&failure);
        device.on_uncaptured_error(Arc::new(move |error: wgpu::Error| {
            uncaptured.lock().unwrap().get_or_insert(GpuError::from(error));
        }));

        let matmul_variant = Cell::new(MatmulVariant::for_adapter(&summary));
        Ok(Self {
            device,
            queue,
            adapter: summary,
            pipelines: RefCell::new(HashMap::new()),
            failure,
            pending: RefCell::new(None),
            pass: RefCell::new(None),
            submissions: Cell::new(0),
            bindings: RefCell::new(HashMap::new()),
            dropped: Rc::new(RefCell::new(Vec::new())),
            scratch: RefCell::new(HashMap::new()),
            deferred: RefCell::new(None),
            matmul_variant,
            dispatches: Cell::new(0),
            texels: RefCell::new(HashMap::new()),
        })
    }

    pub fn adapter(&self) -> &AdapterSummary {
        &self.adapter
    }

    pub(crate) fn device(&self) -> &wgpu::Device {
        &self.device
    }

    /// The byte alignment of a storage binding's offset, where packed tensors start.
    pub fn storage_offset_alignment(&self) -> u64 {
        u64::from(self.device.limits().min_storage_buffer_offset_alignment)
    }

    pub(crate) fn queue(&self) -> &wgpu::Queue {
        &self.queue
    }

    pub fn matmul_variant(&self) -> MatmulVariant {
        self.matmul_variant.get()
    }

    /// Compute dispatches recorded so far, all kernels together.
    pub fn dispatches_recorded(&self) -> u64 {
        self.dispatches.get()
    }

    pub fn set_matmul_variant(&self, variant: MatmulVariant) {
        self.matmul_variant.set(variant);
    }

    /// Releases the device now (the playground does this when it falls back to the CPU). Every later
    /// op is refused with `GpuError::DeviceLost`.
    pub fn release(&self) {
        self.pass.borrow_mut().take();
        self.pending.borrow_mut().take();
        self.device.destroy();
        self.failure.lock().unwrap().get_or_insert(GpuError::DeviceLost("the device was released".into()));
    }

    /// The first failure wgpu reported (a lost device, a rejected command), if any.
    pub fn check_health(&self) -> Result<(), GpuError> {
        match self.failure.lock().unwrap().as_ref() {
            Some(error) => Err(error.clone()),
            None => Ok(()),
        }
    }

    /// The compiled pipeline for `kernel`, compiling it on first use.
    pub(crate) fn pipeline(&self, kernel: Kernel) -> wgpu::ComputePipeline {
        let constants = kernel.constants();
        let key = (kernel.name, constants.iter().map(|&(name, value)| (name, value.to_bits())).collect());
        if let Some(pipeline) = self.pipelines.borrow().get(&key) {
            return pipeline.clone();
        }
        let module = self.device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(kernel.name),
            source: wgpu::ShaderSource::Wgsl(kernel.source.into()),
        });
        let pipeline = self.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(kernel.name),
            layout: None,
            module: &module,
            entry_point: Some("main"),
            compilation_options: wgpu::PipelineCompilationOptions { constants: &constants, ..Default::default() },
            cache: None,
        });
        self.pipelines.borrow_mut().insert(key, pipeline.clone());
        pipeline
    }

    /// Keeps the first error of an op that returns no result, for the next submit or read.
    pub(crate) fn defer_error(&self, error: GpuError) {
        self.deferred.borrow_mut().get_or_insert(error);
    }

    /// Reports (once) the error an op left for the next submit or read.
    pub(crate) fn report_deferred(&self) -> Result<(), GpuError> {
        match self.deferred.borrow_mut().take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Compiles (or fetches) a kernel's pipeline; lets tests check that every kernel compiles.
    #[doc(hidden)]
    pub fn pipeline_for_test(&self, kernel: Kernel) -> wgpu::ComputePipeline {
        self.pipeline(kernel)
    }

    /// Checks a buffer of `bytes` against the device's limits before asking for it.
    fn check_size(&self, what: &str, bytes: u64) -> Result<(), GpuError> {
        let limits = self.device.limits();
        let limit = limits.max_buffer_size.min(limits.max_storage_buffer_binding_size);
        if bytes > limit {
            return Err(GpuError::TooLarge { what: what.to_string(), bytes, limit });
        }
        Ok(())
    }

    fn storage_buffer(&self, label: &str, bytes: u64) -> Result<wgpu::Buffer, GpuError> {
        self.check_health()?;
        self.check_size(label, bytes)?;
        Ok(self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            // wgpu rejects zero-sized bindings: an empty tensor still owns one value's room.
            size: bytes.max(4),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        }))
    }

    /// A tensor of `len` zeros.
    pub fn zeros(&self, label: &str, len: usize) -> Result<GpuTensor, GpuError> {
        let buffer = self.storage_buffer(label, (len * 4) as u64)?;
        Ok(GpuTensor::new(buffer, len, Rc::clone(&self.dropped)))
    }

    /// Zeroed tensors of these lengths as views of one buffer, each starting at the device's storage
    /// offset alignment, and the view of the whole buffer (the parts with the zeros between them).
    pub fn zeros_packed(&self, label: &str, lens: &[usize]) -> Result<Packed<GpuTensor>, GpuError> {
        let align = (self.device.limits().min_storage_buffer_offset_alignment as usize / 4).max(1);
        let mut starts = Vec::with_capacity(lens.len());
        let mut total = 0;
        for &len in lens {
            starts.push(total);
            total += len.max(1).div_ceil(align) * align;
        }
        let buffer = self.storage_buffer(label, (total * 4) as u64)?;
        let parts = starts
            .iter()
            .zip(lens)
            .map(|(&start, &len)| GpuTensor::view(buffer.clone(), (start * 4) as u64, len, Rc::clone(&self.dropped)))
            .collect();
        Ok(Packed { whole: GpuTensor::new(buffer, total, Rc::clone(&self.dropped)), parts })
    }

    /// A tensor holding a copy of `values`.
    pub fn upload(&self, label: &str, values: &[f32]) -> Result<GpuTensor, GpuError> {
        let tensor = self.zeros(label, values.len())?;
        self.write_tensor(&tensor, values);
        Ok(tensor)
    }

    /// Replaces a tensor's contents after everything recorded so far (which is submitted first,
    /// since the queue runs writes before the commands of the submission they join).
    pub fn write_tensor(&self, tensor: &GpuTensor, values: &[f32]) {
        assert_eq!(values.len(), tensor.len(), "write: {} values into a tensor of {}", values.len(), tensor.len());
        if values.is_empty() {
            return;
        }
        self.flush();
        self.queue.write_buffer(&tensor.buffer, tensor.offset(), bytemuck::cast_slice(values));
    }

    /// Copies a tensor back to the host. Natively this waits for the GPU; in the browser it yields
    /// to the event loop until the copy is done, so the page never blocks.
    pub async fn read(&self, tensor: &GpuTensor) -> Result<Vec<f32>, GpuError> {
        self.flush();
        self.check_health()?;
        self.report_deferred()?;
        if tensor.is_empty() {
            return Ok(Vec::new());
        }
        let size = tensor.byte_size();
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut encoder = self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("readback") });
        encoder.copy_buffer_to_buffer(&tensor.buffer, tensor.offset(), &staging, 0, size);
        self.queue.submit([encoder.finish()]);

        let (sender, receiver) = futures_channel::oneshot::channel();
        staging.slice(..).map_async(wgpu::MapMode::Read, move |result| {
            let _ = sender.send(result);
        });
        #[cfg(not(target_arch = "wasm32"))]
        self.device.poll(wgpu::PollType::wait_indefinitely()).map_err(|e| GpuError::Readback(e.to_string()))?;
        let mapped = receiver.await.map_err(|_| GpuError::Readback("the device dropped the request".into()))?;
        mapped.map_err(|e| self.check_health().err().unwrap_or_else(|| GpuError::Readback(e.to_string())))?;
        let values = {
            let view = staging.slice(..).get_mapped_range().map_err(|e| GpuError::Readback(e.to_string()))?;
            bytemuck::cast_slice::<u8, f32>(&view).to_vec()
        };
        staging.unmap();
        self.check_health()?;
        Ok(values)
    }
}
