//! The terminal as a search host: a progress bar over the trials with what each running trial is
//! doing, a line per finished trial, the log written in log order as the events come, and Ctrl-C
//! stopping the search so it can be resumed. What it shows comes from the core's `SearchView`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use nas_playground::nas::{LogOrder, SearchEvent, SearchHost, SearchView};

pub struct TerminalHost {
    origin: Instant,
    stop: Arc<AtomicBool>,
    bar: ProgressBar,
    log: Option<BufWriter<File>>,
    log_order: LogOrder,
    pub view: SearchView,
    pub log_error: Option<String>,
}

impl TerminalHost {
    /// `total` trials when the budget says how many (a spinner otherwise); `view` and
    /// `log_order` as the session opened them.
    pub fn new(total: Option<usize>, log: Option<File>, view: SearchView, log_order: LogOrder, quiet: bool) -> Self {
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
        bar.set_position(view.records().len() as u64);
        bar.enable_steady_tick(Duration::from_millis(200));
        TerminalHost { origin: Instant::now(), stop, bar, log: log.map(BufWriter::new), log_order, view, log_error: None }
    }

    /// Writes one event to the log as it stands (no reordering).
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

    /// "best 97.50 %  #12 epoch 3 40 %  #13 epoch 1 5 %"
    fn status_line(&self) -> String {
        let objective = self.view.objective();
        let mut parts: Vec<String> = self.view.best().map(|(_, score)| format!("best {}", objective.display(score))).into_iter().collect();
        for trial in self.view.running() {
            let epoch = trial.progress.map_or(trial.curve.len() + 1, |p| p.epoch);
            parts.push(format!("#{} epoch {}/{} {:.0} %", trial.id, epoch, trial.proposal.epochs, trial.fraction_done() * 100.0));
        }
        parts.join("  ")
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
        for line in self.log_order.push(event) {
            self.write(&line);
        }
        self.view.apply(event);
        if let SearchEvent::TrialFinished { record } = event {
            let objective = self.view.objective();
            let outcome = match (&record.result.failure, objective.score(record)) {
                (Some(failure), _) => format!("failed ({:?}): {}", failure.kind, failure.message),
                (None, Some(s)) => objective.display(s),
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
        if !matches!(event, SearchEvent::SearchStarted { .. } | SearchEvent::SearchFinished { .. }) {
            self.bar.set_message(self.status_line());
        }
    }
}
