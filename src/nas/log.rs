//! The search log (JSON lines of `SearchEvent`): `LogOrder` writes it in one order whatever order
//! parallel trials finish in (each trial whole, by id), and `SearchLog::parse` reads it back: the
//! config it started with, every finished trial, and whether it ended. A trial cut off by a stop
//! is dropped (resuming runs it again); a line cut off by a crash at the very end is dropped with
//! a warning; anything else that is wrong is reported with its line number, and the file is
//! never changed.

use std::collections::BTreeMap;

use super::config::SearchConfig;
use super::event::SearchEvent;
use super::objective::Objective;
use super::search::SearchSummary;
use super::trial::TrialRecord;

/// Puts a search's events into log order: the start, then each trial's events together once it
/// and every trial before it have finished, then the end. Progress is not logged. So the same
/// search writes the same log with any number of parallel jobs, and a log holds only whole trials.
#[derive(Debug, Default)]
pub struct LogOrder {
    next: usize,
    held: BTreeMap<usize, Vec<SearchEvent>>,
}

impl LogOrder {
    /// For a search whose trials before `next_trial` are already in the log.
    pub fn new(next_trial: usize) -> Self {
        LogOrder { next: next_trial, held: BTreeMap::new() }
    }

    /// Forgets what trial `trial` has logged since it started: it trains again from its start
    /// (its device was lost), and its epochs will come again.
    pub fn restart(&mut self, trial: usize) {
        if let Some(events) = self.held.get_mut(&trial) {
            events.retain(|e| matches!(e, SearchEvent::TrialStarted { .. }));
        }
    }

    /// Takes an event as it happens and returns what the log gets now, in order.
    pub fn push(&mut self, event: &SearchEvent) -> Vec<SearchEvent> {
        if !event.is_logged() {
            return Vec::new();
        }
        let Some(trial) = event.trial() else {
            return vec![event.clone()];
        };
        self.held.entry(trial).or_default().push(event.clone());
        let mut ready = Vec::new();
        while self.held.get(&self.next).is_some_and(|events| matches!(events.last(), Some(SearchEvent::TrialFinished { .. }))) {
            ready.extend(self.held.remove(&self.next).unwrap_or_default());
            self.next += 1;
        }
        ready
    }
}

/// What a log holds.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchLog {
    pub version: String,
    pub config: SearchConfig,
    /// What the search ranked by, where the log says (older logs do not).
    pub objective: Option<Objective>,
    pub trials: Vec<TrialRecord>,
    /// Present when the search ended.
    pub finished: Option<SearchSummary>,
    /// Trials that started but never finished, or finished after one that did not (they run
    /// again on resume).
    pub interrupted: Vec<usize>,
    /// Things that were repaired while reading, in words.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LogError {
    #[error("the log is empty")]
    Empty,
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
}

impl SearchLog {
    /// Parses a whole log.
    pub fn parse(text: &str) -> Result<SearchLog, LogError> {
        let lines: Vec<&str> = text.lines().collect();
        let complete_last_line = text.ends_with('\n');
        let mut warnings = Vec::new();
        let mut events = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<SearchEvent>(line) {
                Ok(event) => events.push((i + 1, event)),
                Err(_) if i + 1 == lines.len() && !complete_last_line => {
                    warnings.push(format!("line {} was cut off mid-write and is ignored", i + 1));
                }
                Err(error) => {
                    return Err(LogError::Line { line: i + 1, message: format!("not a search event ({error})") });
                }
            }
        }
        let first_line = lines.iter().position(|l| !l.trim().is_empty()).map_or(1, |i| i + 1);
        let cut_off_only = events.is_empty() && !warnings.is_empty();
        let mut events = events.into_iter();
        let Some((_, SearchEvent::SearchStarted { version, config, objective, .. })) = events.next() else {
            return Err(if lines.iter().all(|l| l.trim().is_empty()) {
                LogError::Empty
            } else if cut_off_only {
                LogError::Line { line: first_line, message: "the only line was cut off mid-write; the search never started".into() }
            } else {
                LogError::Line { line: first_line, message: "a search log starts with a search_started event".into() }
            });
        };
        let mut started = 0;
        let mut finished_trials: BTreeMap<usize, TrialRecord> = BTreeMap::new();
        let mut finished = None;
        for (line, event) in events {
            let fail = |message: String| Err(LogError::Line { line, message });
            if finished.is_some() {
                return fail("events follow search_finished".into());
            }
            let running = |trial: usize| trial < started && !finished_trials.contains_key(&trial);
            match event {
                SearchEvent::SearchStarted { .. } => return fail("a second search_started event".into()),
                SearchEvent::TrialStarted { trial, .. } => {
                    if trial != started {
                        return fail(format!("trial {trial} starts, but trial {started} was expected"));
                    }
                    started += 1;
                }
                SearchEvent::Epoch { trial, .. } | SearchEvent::Progress { trial, .. } => {
                    if !running(trial) {
                        return fail(format!("an epoch of trial {trial}, which is not running"));
                    }
                }
                SearchEvent::TrialFinished { record } => {
                    if !running(record.id) {
                        return fail(format!("trial {} finishes, but it did not start", record.id));
                    }
                    finished_trials.insert(record.id, *record);
                }
                SearchEvent::SearchFinished { summary } => finished = Some(summary),
            }
        }
        let mut trials = Vec::new();
        while let Some(record) = finished_trials.remove(&trials.len()) {
            trials.push(record);
        }
        let interrupted: Vec<usize> = (trials.len()..started).collect();
        if let Some(after_gap) = finished_trials.keys().next() {
            warnings.push(format!(
                "trial {after_gap} finished while trial {} did not; from trial {} on, trials run again",
                trials.len(),
                trials.len()
            ));
        }
        Ok(SearchLog { version, config: *config, objective, trials, finished, interrupted, warnings })
    }

    /// The log of the finished part of the search, line by line, exactly as an uninterrupted run
    /// writes it (resume rewrites the file with this, then appends).
    pub fn finished_part(&self) -> Vec<SearchEvent> {
        let mut events = vec![SearchEvent::SearchStarted {
            version: self.version.clone(),
            config: Box::new(self.config.clone()),
            space_size: u64::try_from(self.config.space.size()).unwrap_or(u64::MAX),
            objective: self.objective,
        }];
        events.extend(self.trials.iter().flat_map(SearchEvent::of_trial));
        events
    }
}
