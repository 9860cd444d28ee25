//! Trials in parallel natively: `jobs` threads, each with its own evaluator (and so its own
//! device), train the trials `Search::next(jobs)` hands out while this thread hands out work,
//! passes every event to the host and records results as they come. The proposals do not
//! depend on which trial finishes first, so a seed and a number of jobs give the same search.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::event::SearchEvent;
use super::runner::{Evaluation, Evaluator, RunEnd, SearchHost};
use super::search::{Next, Search};
use super::trial::Proposal;

/// What a worker thread sends back.
enum FromWorker {
    Event(SearchEvent),
    Done {
        worker: usize,
        trial: usize,
        evaluation: Evaluation,
    },
    /// Its evaluator could not be made (its device did not open).
    Failed {
        worker: usize,
        message: String,
    },
}

/// A worker's host: the shared clock and stop flag; its events go to the coordinating thread.
struct WorkerHost<'a> {
    origin: Instant,
    stop: &'a AtomicBool,
    events: mpsc::Sender<FromWorker>,
}

impl SearchHost for WorkerHost<'_> {
    fn now(&self) -> f64 {
        self.origin.elapsed().as_secs_f64()
    }

    fn should_stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    fn on_event(&mut self, event: &SearchEvent) {
        let _ = self.events.send(FromWorker::Event(event.clone()));
    }
}

/// Runs `search` with `jobs` worker threads, each making its evaluator with `make_evaluator`.
pub fn run_search_parallel<E, F, H>(search: &mut Search, jobs: usize, make_evaluator: F, host: &mut H) -> RunEnd
where
    E: Evaluator,
    F: Fn() -> Result<E, String> + Sync,
    H: SearchHost,
{
    let jobs = jobs.max(1);
    if search.trials().is_empty() && !search.is_resumed() {
        host.on_event(&search.started_event());
    }
    let stop = AtomicBool::new(false);
    let origin = Instant::now();
    let (to_coordinator, from_workers) = mpsc::channel::<FromWorker>();
    std::thread::scope(|scope| {
        let mut assign = Vec::new();
        for worker in 0..jobs {
            let (to_worker, work) = mpsc::channel::<(usize, Proposal)>();
            assign.push(to_worker);
            let (events, stop, make_evaluator) = (to_coordinator.clone(), &stop, &make_evaluator);
            scope.spawn(move || {
                let mut evaluator = match make_evaluator() {
                    Ok(evaluator) => evaluator,
                    Err(message) => {
                        let _ = events.send(FromWorker::Failed { worker, message });
                        return;
                    }
                };
                let mut host = WorkerHost { origin, stop, events: events.clone() };
                while let Ok((trial, proposal)) = work.recv() {
                    let evaluation = pollster::block_on(evaluator.evaluate(trial, &proposal, &mut host));
                    if events.send(FromWorker::Done { worker, trial, evaluation }).is_err() {
                        return;
                    }
                }
            });
        }
        drop(to_coordinator);

        let mut idle: Vec<usize> = (0..jobs).rev().collect();
        let mut assigned: Vec<Option<usize>> = vec![None; jobs];
        let mut busy = 0usize;
        let mut end: Option<RunEnd> = None;
        loop {
            if end.is_none() && host.should_stop() {
                end = Some(RunEnd::Stopped);
            }
            if end.is_some() {
                stop.store(true, Ordering::Relaxed);
            } else {
                while let Some(&worker) = idle.last() {
                    match search.next(jobs) {
                        Next::Trial { id, proposal } => {
                            host.on_event(&SearchEvent::TrialStarted { trial: id, proposal: proposal.clone() });
                            idle.pop();
                            if assign[worker].send((id, proposal)).is_err() {
                                search.abandon(id);
                                end = Some(RunEnd::DeviceLost(format!("worker {worker} is gone")));
                                break;
                            }
                            assigned[worker] = Some(id);
                            busy += 1;
                        }
                        Next::Wait => break,
                        Next::Done => {
                            if busy == 0 {
                                let summary = search.summary();
                                host.on_event(&SearchEvent::SearchFinished { summary: summary.clone() });
                                end = Some(RunEnd::Finished(summary));
                            }
                            break;
                        }
                    }
                }
            }
            if busy == 0 && end.is_some() {
                break;
            }
            match from_workers.recv_timeout(Duration::from_millis(50)) {
                Ok(FromWorker::Event(event)) => host.on_event(&event),
                Ok(FromWorker::Done { worker, trial, evaluation }) => {
                    busy -= 1;
                    assigned[worker] = None;
                    idle.push(worker);
                    match evaluation {
                        Evaluation::Done(result) => {
                            let record = search.record(trial, result).clone();
                            host.on_event(&SearchEvent::TrialFinished { record: Box::new(record) });
                        }
                        Evaluation::Stopped => {
                            search.abandon(trial);
                            end.get_or_insert(RunEnd::Stopped);
                        }
                        Evaluation::DeviceLost(message) => {
                            search.abandon(trial);
                            end.get_or_insert(RunEnd::DeviceLost(message));
                        }
                    }
                }
                Ok(FromWorker::Failed { worker, message }) => {
                    // A device that does not open ends the run (resumable), as a lost one does.
                    idle.retain(|&w| w != worker);
                    if let Some(trial) = assigned[worker].take() {
                        search.abandon(trial);
                        busy -= 1;
                    }
                    end.get_or_insert(RunEnd::DeviceLost(message));
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    end.get_or_insert(RunEnd::DeviceLost("every worker is gone".into()));
                    break;
                }
            }
        }
        drop(assign);
        end.expect("the loop ends with an end")
    })
}
