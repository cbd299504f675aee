//! The threads that compute password hashes, and the memory each hash runs in.

use std::time::Duration;

use argon2::Block;
use tokio::sync::oneshot;

use super::HashingError;

/// The threads that compute hashes, each keeping one hash's memory between hashes and giving it back after
/// [`IDLE_RELEASE`] without work.
///
/// They run at a lower priority (`password_hashing_niceness` nice steps higher) than the runtime's threads:
/// a request that needs no hash is served first, and hashing takes the CPU that requests leave idle. A login
/// flood then slows logins, not the todo list.
#[derive(Clone)]
pub(super) struct HashingThreads {
    jobs: flume::Sender<Job>,
}

type Job = Box<dyn FnOnce(&mut HashMemory) + Send>;

/// How long a hashing thread keeps its memory without work.
const IDLE_RELEASE: Duration = Duration::from_secs(2);

impl HashingThreads {
    /// Starts `count` threads, `niceness` nice steps below the priority of the thread that starts them.
    pub(super) fn start(count: usize, niceness: i32) -> Self {
        let (jobs, waiting) = flume::unbounded::<Job>();
        for number in 0..count {
            let waiting = waiting.clone();
            let started = std::thread::Builder::new()
                .name(format!("argon2-{number}"))
                .spawn(move || {
                    lower_priority(niceness);
                    let mut memory = HashMemory::default();
                    loop {
                        match waiting.recv_timeout(IDLE_RELEASE) {
                            Ok(job) => job(&mut memory),
                            Err(flume::RecvTimeoutError::Timeout) => memory.release(),
                            Err(flume::RecvTimeoutError::Disconnected) => return,
                        }
                    }
                });
            if let Err(error) = started {
                tracing::error!(%error, "cannot start a password hashing thread");
            }
        }
        Self { jobs }
    }

    /// Runs `work` on the next free thread. A caller that has gone away by then (its request was dropped)
    /// costs no hash; a panic in `work` fails this hash only, and its thread goes on with fresh memory.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut HashMemory) -> Result<T, HashingError> + Send + 'static,
    ) -> Result<T, HashingError> {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |memory| {
            if reply.is_closed() {
                return;
            }
            let outcome =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&mut *memory)));
            match outcome {
                Ok(result) => {
                    let _ = reply.send(result);
                }
                Err(_) => memory.release(),
            }
        });
        self.jobs.send(job).map_err(|_| HashingError::Thread)?;
        answer.await.map_err(|_| HashingError::Thread)?
    }
}

/// Lowers the calling thread's priority by `niceness` steps (Linux: per thread), from the nice value it
/// inherited, to 19 at most. Lowering one's own priority needs no privilege, and a relative step keeps hashing
/// below requests however the server itself was started (`nice -n 10 leptodo`); if it fails anyway, hashing
/// runs at the server's priority and the failure is logged.
fn lower_priority(niceness: i32) {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{getpriority_process, setpriority_process};
        // The thread's own id: on Linux a nice value belongs to one thread, and `None` would mean the same
        // one, but naming it says so.
        let thread = Some(rustix::thread::gettid());
        let lowered = getpriority_process(thread).and_then(|inherited| {
            setpriority_process(thread, inherited.saturating_add(niceness).min(19))
        });
        if let Err(error) = lowered {
            tracing::warn!(%error, "cannot lower the priority of a password hashing thread");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = niceness;
}

/// The memory of one hash at a time (~19 MiB with the default parameters), mapped from the system and unmapped
/// on [`HashMemory::release`].
///
/// Reused from one hash to the next, it saves mapping and zeroing the memory anew each time (thousands of page
/// faults). Mapped directly rather than allocated, because an allocator keeps freed memory for later: with the
/// server's allocator an idle server still held both threads' 19 MiB long after the last login.
#[derive(Default)]
pub(super) struct HashMemory {
    mapping: Option<Mapping>,
}

impl HashMemory {
    /// `count` blocks to hash in, mapped (or grown) on first use.
    pub(super) fn blocks(&mut self, count: usize) -> Result<&mut [Block], HashingError> {
        if self
            .mapping
            .as_ref()
            .is_none_or(|mapping| mapping.blocks < count)
        {
            // The smaller mapping goes first, so two never exist at once.
            self.mapping = None;
            self.mapping = Some(Mapping::new(count).map_err(HashingError::Memory)?);
        }
        match &mut self.mapping {
            Some(mapping) => Ok(&mut mapping.as_mut_slice()[..count]),
            None => Err(HashingError::Thread),
        }
    }

    /// Gives the memory back to the system.
    pub(super) fn release(&mut self) {
        self.mapping = None;
    }
}

/// Anonymous private memory for `blocks` argon2 blocks; unmapped when dropped (`memmap2`'s own `Drop`).
struct Mapping {
    memory: memmap2::MmapMut,
    blocks: usize,
}

impl Mapping {
    fn new(blocks: usize) -> std::io::Result<Self> {
        let blocks = blocks.max(1);
        let memory = memmap2::MmapMut::map_anon(blocks * std::mem::size_of::<Block>())?;
        Ok(Self { memory, blocks })
    }

    /// The mapping as the blocks argon2 computes in. The one place the crate needs `unsafe`: argon2 takes
    /// `&mut [Block]`, and `Block` (a `[u64; 128]`) has no safe conversion from bytes.
    #[allow(unsafe_code)]
    fn as_mut_slice(&mut self) -> &mut [Block] {
        let start = self.memory.as_mut_ptr().cast::<Block>();
        // SAFETY: the mapping is `blocks` blocks long and page-aligned (more than `Block`'s 64 bytes), the
        // system zero-fills it (all zeroes are a valid `Block`), and `&mut self` makes the borrow unique for
        // as long as the slice lives.
        unsafe { std::slice::from_raw_parts_mut(start, self.blocks) }
    }
}

#[cfg(test)]
mod tests {
    use super::HashMemory;

    #[test]
    fn hash_memory_grows_when_asked_for_more_and_is_given_back() {
        let mut memory = HashMemory::default();
        let first = memory.blocks(8).expect("mapped");
        assert_eq!(first.len(), 8);
        first[7].as_mut()[127] = 42;
        assert_eq!(memory.blocks(4).expect("reused")[..].len(), 4);
        let grown = memory.blocks(1024).expect("grown");
        assert_eq!(grown.len(), 1024);
        assert!(grown
            .iter()
            .all(|block| block.as_ref().iter().all(|word| *word == 0)));
        memory.release();
        assert!(memory.mapping.is_none());
    }
}
