//! The terminal as a search host: a progress bar over the trials, a line per finished trial, the
//! log written as the events come, and Ctrl-C stopping the search so it can be resumed.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use nas_playground::nas::{Objective, SearchEvent, SearchHost};

pub struct TerminalHost {
    origin: Instant,
    stop: Arc<AtomicBool>,
    bar: ProgressBar,
    log: Option<BufWriter<File>>,
    objective: Objective,
    full_epochs: usize,
    best: Option<f64>,
    label: String,
    pub log_error: Option<String>,
}

impl TerminalHost {
    /// `total` trials when the budget says how many (a spinner otherwise).
    pub fn new(total: Option<usize>, done: usize, log: Option<File>, objective: Objective, full_epochs: usize, quiet: bool) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        // A second Ctrl-C, or one before this is set, ends the process as usual.
        let _ = ctrlc::set_handler(move || {
            if flag.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
        });
        let bar = match total {
            _ if quiet => ProgressBar::hidden(),
            Some(n) => ProgressBar::new(n as u64).with_style(
                ProgressStyle::with_template("{bar:30.cyan/blue} {pos}/{len} trials  {elapsed_precise} (eta {eta})  {msg}")
                    .expect("a valid template"),
            ),
            None => ProgressBar::new_spinner()
                .with_style(ProgressStyle::with_template("{spinner} {pos} trials  {elapsed_precise}  {msg}").expect("a valid template")),
        };
        bar.set_position(done as u64);
        bar.enable_steady_tick(Duration::from_millis(200));
        TerminalHost {
            origin: Instant::now(),
            stop,
            bar,
            log: log.map(BufWriter::new),
            objective,
            full_epochs,
            best: None,
            label: String::new(),
            log_error: None,
        }
    }

    pub fn write(&mut self, event: &SearchEvent) {
        if let Some(log) = &mut self.log {
            let written = writeln!(log, "{}", event.to_line()).and_then(|_| log.flush());
            if let Err(error) = written {
                self.log_error = Some(error.to_string());
                self.stop.store(true, Ordering::SeqCst);
            }
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    pub fn note_best(&mut self, score: Option<f64>) {
        self.best = score;
    }
}

impl SearchHost for TerminalHost {
    fn now(&self) -> f64 {
        self.origin.elapsed().as_secs_f64()
    }

    fn should_stop(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    fn on_event(&mut self, event: &SearchEvent) {
        self.write(event);
        let best = |host: &Self| host.best.map(|b| format!("best {}", host.objective.display(b))).unwrap_or_default();
        match event {
            SearchEvent::TrialStarted { trial, proposal } => {
                self.label = format!("#{trial} {} ({} ep)", proposal.candidate.label(), proposal.epochs);
                self.bar.set_message(format!("{}  {}", best(self), self.label));
            }
            SearchEvent::Epoch { metrics, .. } => {
                self.bar.set_message(format!("{}  {} epoch {}", best(self), self.label, metrics.epoch));
            }
            SearchEvent::TrialFinished { record } => {
                let score = self.objective.score(record);
                if record.proposal.epochs == self.full_epochs {
                    if let Some(s) = score {
                        self.best = Some(self.best.map_or(s, |b| b.max(s)));
                    }
                }
                let outcome = match (&record.result.failure, score) {
                    (Some(failure), _) => {
                        format!("failed ({:?}): {}", failure.kind, failure.message)
                    }
                    (None, Some(s)) => self.objective.display(s),
                    (None, None) => "no score".into(),
                };
                self.bar.println(format!(
                    "#{:<4} {:>9}  {:>8} params  {:>3} ep  {:>7.2} s  {}",
                    record.id,
                    outcome,
                    record.result.parameters,
                    record.proposal.epochs,
                    record.result.seconds,
                    record.proposal.candidate.label()
                ));
                self.bar.inc(1);
            }
            SearchEvent::SearchStarted { .. } | SearchEvent::SearchFinished { .. } => {}
        }
    }
}
