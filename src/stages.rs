//! Deal stages by id and by label: a lookup loaded from the pipelines API, so a `dealstage`
//! id (`appointmentscheduled`, or a number in a custom pipeline) reads as its label and
//! pipeline, and a label a person typed becomes the id HubSpot takes. It loads once and loads
//! again when asked about an id it does not know (a stage created since).
//!
//! ```no_run
//! # async fn run(client: hubspot_deals::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use hubspot_deals::stages::Stages;
//! let mut stages = Stages::load(&client).await?;
//! if let Some(stage) = stages.resolve("closedwon").await? {
//!     println!("{} in {} (won: {})", stage.label, stage.pipeline_label, stage.won);
//! }
//! let id = stages.id_for_label(Some("default"), "Closed Won")?;
//! # let _ = id;
//! # Ok(()) }
//! ```

use crate::Error;
use crate::generated::Client;

/// One stage, with its pipeline.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Stage {
    /// The stage id (`dealstage`'s value).
    pub id: String,
    /// Its label.
    pub label: String,
    /// Its place in the pipeline (HubSpot's `displayOrder`).
    pub display_order: i64,
    /// The pipeline's id (`pipeline`'s value).
    pub pipeline_id: String,
    /// The pipeline's label.
    pub pipeline_label: String,
    /// The chance of winning a deal at this stage, 0.0 to 1.0, when HubSpot gives one.
    pub probability: Option<f64>,
    /// Whether a deal at this stage is closed.
    pub closed: bool,
    /// Whether a deal at this stage is won (closed with probability 1.0).
    pub won: bool,
}

/// A label that names no stage, or more than one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LabelError {
    /// No stage (of the pipeline, if one was named) has this label.
    Unknown {
        /// The label asked for.
        label: String,
        /// The labels there are (of the pipeline, if one was named).
        known: Vec<String>,
    },
    /// Stages of several pipelines have this label: name the pipeline.
    Ambiguous {
        /// The label asked for.
        label: String,
        /// The pipelines with a stage of that label.
        pipelines: Vec<String>,
    },
}

impl std::fmt::Display for LabelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unknown { label, known } => write!(
                f,
                "no deal stage is labelled {label:?}; the stages are: {}",
                known.join(", ")
            ),
            Self::Ambiguous { label, pipelines } => write!(
                f,
                "stages of several pipelines are labelled {label:?} ({}): name the pipeline",
                pipelines.join(", ")
            ),
        }
    }
}

impl std::error::Error for LabelError {}

/// The account's deal stages, by id; see the module docs.
#[derive(Debug, Clone)]
pub struct Stages {
    client: Client,
    /// Every stage, in HubSpot's order of pipelines and each pipeline's order of stages.
    stages: Vec<Stage>,
}

impl Stages {
    /// Loads every pipeline's stages (one call).
    pub async fn load(client: &Client) -> Result<Self, Error> {
        let mut stages = Self {
            client: client.clone(),
            stages: Vec::new(),
        };
        stages.reload().await?;
        Ok(stages)
    }

    /// Loads the pipelines again.
    pub async fn reload(&mut self) -> Result<(), Error> {
        let pipelines = self
            .client
            .pipelines()
            .list_pipelines()
            .send()
            .await?
            .into_inner();
        self.stages = pipelines
            .results
            .into_iter()
            .flat_map(|pipeline| {
                let (pipeline_id, pipeline_label) = (pipeline.id, pipeline.label);
                pipeline.stages.into_iter().map(move |stage| {
                    let probability = stage
                        .metadata
                        .get("probability")
                        .and_then(|p| p.parse::<f64>().ok());
                    let closed = stage.metadata.get("isClosed").is_some_and(|c| c == "true");
                    Stage {
                        id: stage.id,
                        label: stage.label,
                        display_order: i64::from(stage.display_order),
                        pipeline_id: pipeline_id.clone(),
                        pipeline_label: pipeline_label.clone(),
                        probability,
                        closed,
                        won: closed && probability == Some(1.0),
                    }
                })
            })
            .collect();
        Ok(())
    }

    /// The stage with this id, as loaded. (HubSpot's stage ids are unique in an account;
    /// should two pipelines share one, this is the first pipeline's: see [`Self::get_in`].)
    pub fn get(&self, id: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.id == id)
    }

    /// The stage with this id in this pipeline (an id), as loaded.
    pub fn get_in(&self, pipeline_id: &str, id: &str) -> Option<&Stage> {
        self.stages
            .iter()
            .find(|s| s.pipeline_id == pipeline_id && s.id == id)
    }

    /// The stage with this id, loading the pipelines again once if it is not known (a stage
    /// created since they were loaded); `None` if it still is not.
    pub async fn resolve(&mut self, id: &str) -> Result<Option<&Stage>, Error> {
        if self.get(id).is_none() {
            self.reload().await?;
        }
        Ok(self.get(id))
    }

    /// The id of the stage with this label (any letter case), in `pipeline` (an id or a
    /// label) or, with `None`, in whichever pipeline has it if only one does.
    pub fn id_for_label(&self, pipeline: Option<&str>, label: &str) -> Result<&str, LabelError> {
        let in_pipeline = |stage: &&Stage| {
            pipeline.is_none_or(|p| stage.pipeline_id == p || stage.pipeline_label == p)
        };
        let matches: Vec<&Stage> = self
            .stages
            .iter()
            .filter(in_pipeline)
            .filter(|s| s.label.eq_ignore_ascii_case(label))
            .collect();
        match matches.as_slice() {
            [one] => Ok(&one.id),
            [] => {
                let mut known: Vec<String> = self
                    .stages
                    .iter()
                    .filter(in_pipeline)
                    .map(|s| s.label.clone())
                    .collect();
                known.sort();
                known.dedup();
                Err(LabelError::Unknown {
                    label: label.to_string(),
                    known,
                })
            }
            several => Err(LabelError::Ambiguous {
                label: label.to_string(),
                pipelines: several.iter().map(|s| s.pipeline_label.clone()).collect(),
            }),
        }
    }

    /// Every stage, in HubSpot's order of pipelines and of each pipeline's stages.
    pub fn all(&self) -> &[Stage] {
        &self.stages
    }
}
