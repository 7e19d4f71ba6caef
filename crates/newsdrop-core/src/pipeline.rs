//! The synchronous pipeline: stages in config order, each behind a panic boundary.
//!
//! A stage that errors or panics fails this article only; the caller (daemon worker or
//! `newsdrop process`) records the failure and moves on to the next article. Stages after a
//! `Drop` verdict do not run.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use crate::{Article, Stage, Verdict};

/// A configured stage with the names it was configured under.
pub struct PipelineStage {
    /// The stage's `name` from the config, or its rule when none is given.
    pub name: String,
    /// The rule it runs (`boilerplate`, `plugin:plugins/libx.so`, …).
    pub rule: String,
    pub stage: Box<dyn Stage>,
}

/// Why an article failed in the pipeline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stage {stage:?} (rule {rule:?}) {}: {message}", if *.panicked { "panicked" } else { "failed" })]
pub struct StageFailure {
    pub stage: String,
    pub rule: String,
    pub message: String,
    pub panicked: bool,
}

/// The ordered stages of one config load. Shared by all workers.
#[derive(Default)]
pub struct Pipeline {
    stages: Vec<PipelineStage>,
}

impl Pipeline {
    pub fn new(stages: Vec<PipelineStage>) -> Self {
        Pipeline { stages }
    }

    pub fn stages(&self) -> &[PipelineStage] {
        &self.stages
    }

    /// Runs every stage on `article`; `observe` sees each stage's name and time.
    pub fn run_observed(
        &self,
        article: &mut Article,
        mut observe: impl FnMut(&str, Duration),
    ) -> Result<Verdict, StageFailure> {
        for slot in &self.stages {
            let started = Instant::now();
            let outcome = catch_unwind(AssertUnwindSafe(|| slot.stage.apply(article)));
            observe(&slot.name, started.elapsed());
            let failure = |message: String, panicked: bool| StageFailure {
                stage: slot.name.clone(),
                rule: slot.rule.clone(),
                message,
                panicked,
            };
            match outcome {
                Ok(Ok(Verdict::Continue)) => {}
                Ok(Ok(drop @ (Verdict::Drop { .. } | Verdict::Duplicate { .. }))) => {
                    return Ok(drop);
                }
                Ok(Err(e)) => return Err(failure(e.0, false)),
                Err(payload) => return Err(failure(panic_message(payload.as_ref()), true)),
            }
        }
        Ok(Verdict::Continue)
    }

    pub fn run(&self, article: &mut Article) -> Result<Verdict, StageFailure> {
        self.run_observed(article, |_, _| {})
    }
}

/// The text of a panic payload (`panic!("…")` gives `&str` or `String`).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Block, BlockKind, Format, Source, StageError};

    struct Panics;
    impl Stage for Panics {
        fn apply(&self, _: &mut Article) -> Result<Verdict, StageError> {
            panic!("boom in stage")
        }
    }
    struct DropAll;
    impl Stage for DropAll {
        fn apply(&self, a: &mut Article) -> Result<Verdict, StageError> {
            for b in &mut a.blocks {
                b.drop_by("drop-all", "test");
            }
            Ok(Verdict::Continue)
        }
    }
    struct Fails;
    impl Stage for Fails {
        fn apply(&self, _: &mut Article) -> Result<Verdict, StageError> {
            Err(StageError::new("no good"))
        }
    }

    fn article() -> Article {
        let mut a = Article::new(
            Source {
                name: "a.txt".into(),
                folder: String::new(),
                size: 5,
                sha256: crate::id::sha256_hex(b"hello"),
                received_at: jiff::Timestamp::UNIX_EPOCH,
                encoding: "UTF-8".into(),
            },
            Format::Text,
        );
        a.blocks.push(Block::new("hello", BlockKind::Line));
        a
    }

    fn slot(name: &str, stage: Box<dyn Stage>) -> PipelineStage {
        PipelineStage {
            name: name.into(),
            rule: name.into(),
            stage,
        }
    }

    #[test]
    fn a_panicking_stage_fails_the_article_with_its_name_and_message() {
        let p = Pipeline::new(vec![
            slot("drop", Box::new(DropAll)),
            slot("bad", Box::new(Panics)),
        ]);
        let err = p.run(&mut article()).expect_err("must fail");
        assert_eq!(err.stage, "bad");
        assert!(err.panicked);
        assert_eq!(err.message, "boom in stage");
    }

    #[test]
    fn an_erroring_stage_stops_the_pipeline() {
        let p = Pipeline::new(vec![
            slot("fails", Box::new(Fails)),
            slot("drop", Box::new(DropAll)),
        ]);
        let mut a = article();
        let err = p.run(&mut a).expect_err("must fail");
        assert!(!err.panicked);
        assert_eq!(err.message, "no good");
        assert!(a.blocks[0].keep, "stages after the failure must not run");
    }

    #[test]
    fn dropped_blocks_stay_with_their_mark() {
        let p = Pipeline::new(vec![slot("drop", Box::new(DropAll))]);
        let mut a = article();
        assert_eq!(p.run(&mut a), Ok(Verdict::Continue));
        assert_eq!(a.blocks.len(), 1);
        assert!(!a.blocks[0].keep);
        assert_eq!(
            a.blocks[0].mark.as_ref().map(|m| m.rule.as_ref()),
            Some("drop-all")
        );
        assert_eq!(a.body(), "");
    }
}
