//! Splitting an op's independent outputs over the cores: natively with rayon, one chunk after
//! another in the browser, where each worker is one thread. Chunks never share an output value,
//! so every figure is the same however many threads run them.

/// Threads an op may spread over.
pub fn threads() -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    {
        rayon::current_num_threads()
    }
    #[cfg(target_arch = "wasm32")]
    {
        1
    }
}

/// Runs `work(index, chunk)` on each `chunk`-long piece of `data` (the last may be shorter).
pub fn for_each_chunk<T: Send>(data: &mut [T], chunk: usize, work: impl Fn(usize, &mut [T]) + Sync + Send) {
    let chunk = chunk.max(1);
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        if data.len() > chunk && threads() > 1 {
            data.par_chunks_mut(chunk).enumerate().for_each(|(i, piece)| work(i, piece));
            return;
        }
    }
    data.chunks_mut(chunk).enumerate().for_each(|(i, piece)| work(i, piece));
}

/// As `for_each_chunk` over two outputs cut in step: piece i of `a` (`chunk_a` long) with piece i
/// of `b` (`chunk_b` long).
pub fn for_each_chunk_pair<T: Send, U: Send>(
    a: &mut [T],
    chunk_a: usize,
    b: &mut [U],
    chunk_b: usize,
    work: impl Fn(usize, &mut [T], &mut [U]) + Sync + Send,
) {
    let (chunk_a, chunk_b) = (chunk_a.max(1), chunk_b.max(1));
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        if a.len() > chunk_a && threads() > 1 {
            a.par_chunks_mut(chunk_a).zip(b.par_chunks_mut(chunk_b)).enumerate().for_each(|(i, (pa, pb))| work(i, pa, pb));
            return;
        }
    }
    a.chunks_mut(chunk_a).zip(b.chunks_mut(chunk_b)).enumerate().for_each(|(i, (pa, pb))| work(i, pa, pb));
}

/// As `for_each_chunk_pair` over three outputs cut in step.
pub fn for_each_chunk_triple<T: Send, U: Send, V: Send>(
    (a, chunk_a): (&mut [T], usize),
    (b, chunk_b): (&mut [U], usize),
    (c, chunk_c): (&mut [V], usize),
    work: impl Fn(usize, &mut [T], &mut [U], &mut [V]) + Sync + Send,
) {
    let (chunk_a, chunk_b, chunk_c) = (chunk_a.max(1), chunk_b.max(1), chunk_c.max(1));
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        if a.len() > chunk_a && threads() > 1 {
            let pieces = a.par_chunks_mut(chunk_a).zip(b.par_chunks_mut(chunk_b)).zip(c.par_chunks_mut(chunk_c));
            pieces.enumerate().for_each(|(i, ((pa, pb), pc))| work(i, pa, pb, pc));
            return;
        }
    }
    let pieces = a.chunks_mut(chunk_a).zip(b.chunks_mut(chunk_b)).zip(c.chunks_mut(chunk_c));
    pieces.enumerate().for_each(|(i, ((pa, pb), pc))| work(i, pa, pb, pc));
}

/// Elements per chunk for an element-wise op over `len` values: one chunk per thread, and none
/// smaller than `min` (below that, handing work to another core costs more than it saves).
pub fn chunk_for(len: usize, min: usize) -> usize {
    len.div_ceil(threads()).max(min)
}
