//! Batches of any size: create, update, upsert, read and archive any number of inputs, from an
//! iterator or a stream, as one stream of outcomes.
//!
//! Inputs go in chunks of HubSpot's 100, several chunks in flight at once (by default as many
//! as the client's rate budget keeps busy, see [`BatchRun::concurrency`]), and the outcomes
//! come back one per input, in input order, as soon as their chunk is done, so memory stays
//! flat however many inputs pass. An outcome is [`Outcome::Done`] with HubSpot's result,
//! [`Outcome::Failed`] with HubSpot's error for that input (a 207's entry) or for its whole
//! chunk, or [`Outcome::Unknown`] for a create whose chunk may have been applied though no
//! answer came: creates are never sent twice, so check those inputs before sending them again.
//! Inputs HubSpot would reject a whole chunk for (the same id twice in an update or upsert)
//! are split out before sending, each with its own failure.
//!
//! ```no_run
//! # async fn run(client: hubspot_deals::Client) -> Result<(), hubspot_deals::Error> {
//! use futures_util::StreamExt;
//! use hubspot_deals::batch::Outcome;
//! use hubspot_deals::types::DealUpsert;
//! let rows = (0..50_000).map(|i| DealUpsert {
//!     id: format!("ERP-{i}"),
//!     properties: [("dealname".to_string(), format!("Order {i}"))].into(),
//!     ..Default::default()
//! });
//! let mut outcomes = client.deals().upsert_all("erp_id", rows).stream();
//! while let Some(item) = outcomes.next().await {
//!     if let Outcome::Failed(why) = &item.outcome {
//!         eprintln!("row {}: {why}", item.index);
//!     }
//! }
//! println!("{}", outcomes.summary());
//! # Ok(()) }
//! ```

use crate::Error;
use crate::generated::Client;
use crate::limits;
use crate::types::{
    BatchCreate, BatchCreateInput, BatchError, BatchIds, BatchRead, BatchUpdate, BatchUpdateInput,
    BatchUpsert, Deal, DealId, DealUpsert, NewDeal, UpsertedDeal,
};
use futures_core::Stream;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::task::JoinHandle;

/// The round trip a batch call is assumed to take when the default concurrency is derived
/// from the rate budget: enough chunks in flight to keep the budget busy.
const ASSUMED_LATENCY: Duration = Duration::from_millis(500);

/// Chunks in flight when the client has no rate limit.
const UNLIMITED_CONCURRENCY: usize = 8;

/// What happened to one input.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Outcome<T> {
    /// HubSpot applied it; its result.
    Done(T),
    /// HubSpot refused it, or it was never sent.
    Failed(Failure),
    /// A create whose chunk may have been applied though no answer said so (a dropped
    /// connection, a timeout, a 5xx): it was not sent again. Check before sending it again.
    Unknown(Arc<Error>),
}

/// Why an input failed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Failure {
    /// HubSpot's error for this input (an entry of a 207 answer).
    Input(Box<BatchError>),
    /// The call for the input's whole chunk failed (shared by every input of the chunk).
    Call(Arc<Error>),
    /// The same id came earlier in the same chunk, which HubSpot would refuse whole: this one
    /// was not sent.
    Duplicate {
        /// The index of the earlier input.
        first: usize,
    },
    /// The input cannot be sent as it is.
    Invalid(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Input(error) => {
                if let Some(category) = &error.category {
                    write!(f, "{category}: ")?;
                }
                f.write_str(&error.message)
            }
            Self::Call(error) => write!(f, "the chunk failed: {error}"),
            Self::Duplicate { first } => {
                write!(
                    f,
                    "the same id as input {first} in the same chunk; not sent"
                )
            }
            Self::Invalid(why) => f.write_str(why),
        }
    }
}

/// The outcome of the input at `index` (0-based, in input order).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BatchItem<T> {
    /// The input's position.
    pub index: usize,
    /// What happened to it.
    pub outcome: Outcome<T>,
}

/// Counts of outcomes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Summary {
    /// Inputs HubSpot applied.
    pub done: u64,
    /// Inputs refused or not sent.
    pub failed: u64,
    /// Creates that may have been applied.
    pub unknown: u64,
}

impl Summary {
    fn count<T>(&mut self, outcome: &Outcome<T>) {
        match outcome {
            Outcome::Done(_) => self.done += 1,
            Outcome::Failed(_) => self.failed += 1,
            Outcome::Unknown(_) => self.unknown += 1,
        }
    }

    /// Every input.
    pub fn total(&self) -> u64 {
        self.done + self.failed + self.unknown
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} inputs: {} done, {} failed, {} unknown",
            self.total(),
            self.done,
            self.failed,
            self.unknown
        )
    }
}

/// Inputs for a batch helper: any iterator (`Vec`, a file's rows), or a stream through
/// [`Inputs::stream`].
pub struct Inputs<T>(Pin<Box<dyn Stream<Item = T> + Send>>);

impl<T: Send + 'static> Inputs<T> {
    /// Inputs from a stream.
    pub fn stream(stream: impl Stream<Item = T> + Send + 'static) -> Self {
        Self(Box::pin(stream))
    }
}

/// An iterator as a stream.
struct FromIter<I>(I);

impl<I: Iterator + Unpin> Stream for FromIter<I> {
    type Item = I::Item;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<I::Item>> {
        Poll::Ready(self.0.next())
    }
}

impl<T, I> From<I> for Inputs<T>
where
    I: IntoIterator<Item = T>,
    I::IntoIter: Send + Unpin + 'static,
    T: Send + 'static,
{
    fn from(items: I) -> Self {
        Self(Box::pin(FromIter(items.into_iter())))
    }
}

impl<T> fmt::Debug for Inputs<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Inputs")
    }
}

/// A future sending one chunk.
type Sending<'a, T> = Pin<Box<dyn Future<Output = Vec<Outcome<T>>> + Send + 'a>>;

/// One kind of batch call.
pub(crate) trait Op<I, T>: Send + Sync + 'static {
    /// The key HubSpot refuses a chunk for when it appears twice, if any.
    fn duplicate_key(&self, _input: &I) -> Option<String> {
        None
    }

    /// Sends one chunk; one outcome per input, in the chunk's order.
    fn send<'a>(&'a self, client: &'a Client, chunk: Vec<I>) -> Sending<'a, T>;
}

/// The same failure for every input of a chunk.
fn all_failed<T>(count: usize, error: Error) -> Vec<Outcome<T>> {
    let error = Arc::new(error);
    (0..count)
        .map(|_| Outcome::Failed(Failure::Call(error.clone())))
        .collect()
}

/// Whether a failed write call may have been applied: it may have reached HubSpot and no
/// answer said it was refused.
fn maybe_applied(error: &Error) -> bool {
    match error {
        Error::Transport(transport) => transport.sent,
        Error::Api(api) => api.status >= 500,
        Error::Decode(_) | Error::ResponseTooLarge { .. } => true,
        _ => false,
    }
}

/// Gives results, in order, to the inputs without an error; one error per input as `errors`
/// says (by position).
fn in_order<T>(
    count: usize,
    mut failed: HashMap<usize, BatchError>,
    results: Vec<T>,
) -> Vec<Outcome<T>> {
    if results.len() + failed.len() != count {
        let error = Arc::new(Error::Other(format!(
            "HubSpot answered {} results and {} errors for {count} inputs: they cannot be told apart",
            results.len(),
            failed.len()
        )));
        return (0..count)
            .map(|i| match failed.remove(&i) {
                Some(error) => Outcome::Failed(Failure::Input(Box::new(error))),
                None => Outcome::Unknown(error.clone()),
            })
            .collect();
    }
    let mut results = results.into_iter();
    (0..count)
        .map(|i| match failed.remove(&i) {
            Some(error) => Outcome::Failed(Failure::Input(Box::new(error))),
            None => results
                .next()
                .map(Outcome::Done)
                .unwrap_or_else(|| Outcome::Unknown(Arc::new(Error::Other("no result".into())))),
        })
        .collect()
}

/// The trace id the helper gives input `i` of a chunk, to find HubSpot's errors for it.
fn trace_id(i: usize) -> String {
    format!("hubspot-deals-input-{i}")
}

/// Errors keyed by the position their `objectWriteTraceId` names; those naming none stay out.
fn errors_by_trace(errors: Vec<BatchError>) -> (HashMap<usize, BatchError>, Vec<BatchError>) {
    let mut by_position = HashMap::new();
    let mut other = Vec::new();
    for error in errors {
        let position = error
            .context
            .get("objectWriteTraceId")
            .and_then(|ids| ids.first())
            .and_then(|id| id.strip_prefix("hubspot-deals-input-"))
            .and_then(|n| n.parse::<usize>().ok());
        match position {
            Some(i) => {
                by_position.insert(i, error);
            }
            None => other.push(error),
        }
    }
    (by_position, other)
}

/// The outcomes of a traced chunk: each error goes to the input its trace id names, the
/// results in order to the rest.
fn traced<T>(count: usize, errors: Vec<BatchError>, results: Vec<T>) -> Vec<Outcome<T>> {
    let (failed, _) = errors_by_trace(errors);
    in_order(count, failed, results)
}

/// Batch create: every input gets a trace id, so HubSpot reports failures per input.
pub(crate) struct CreateOp;

impl Op<NewDeal, Deal> for CreateOp {
    fn send<'a>(&'a self, client: &'a Client, chunk: Vec<NewDeal>) -> Sending<'a, Deal> {
        Box::pin(async move {
            let count = chunk.len();
            let inputs = chunk
                .into_iter()
                .enumerate()
                .map(|(i, deal)| BatchCreateInput {
                    associations: deal.associations,
                    object_write_trace_id: Some(trace_id(i)),
                    properties: deal.properties,
                })
                .collect();
            match client
                .batch_create()
                .body(BatchCreate { inputs })
                .send()
                .await
            {
                Ok(answer) => {
                    let answer = answer.into_inner();
                    traced(count, answer.errors, answer.results)
                }
                Err(error) if maybe_applied(&error) => {
                    let error = Arc::new(error);
                    (0..count)
                        .map(|_| Outcome::Unknown(error.clone()))
                        .collect()
                }
                Err(error) => all_failed(count, error),
            }
        })
    }
}

/// Batch update, by id (or by the inputs' `id_property`).
pub(crate) struct UpdateOp;

impl Op<BatchUpdateInput, Deal> for UpdateOp {
    fn duplicate_key(&self, input: &BatchUpdateInput) -> Option<String> {
        Some(format!(
            "{}\u{0}{}",
            input.id_property.as_deref().unwrap_or(""),
            input.id
        ))
    }

    fn send<'a>(&'a self, client: &'a Client, chunk: Vec<BatchUpdateInput>) -> Sending<'a, Deal> {
        Box::pin(async move {
            let count = chunk.len();
            let by_id = chunk.iter().all(|i| i.id_property.is_none());
            let ids: Vec<String> = chunk.iter().map(|i| i.id.clone()).collect();
            let inputs = chunk
                .into_iter()
                .enumerate()
                .map(|(i, mut input)| {
                    input.object_write_trace_id = Some(trace_id(i));
                    input
                })
                .collect();
            let answer = match client
                .batch_update()
                .body(BatchUpdate { inputs })
                .send()
                .await
            {
                Ok(answer) => answer.into_inner(),
                Err(error) => return all_failed(count, error),
            };
            let (mut failed, other) = errors_by_trace(answer.errors);
            // Errors without a trace id name their ids.
            for error in other {
                for id in error.context.get("ids").into_iter().flatten() {
                    if let Some(i) = ids.iter().position(|x| x == id) {
                        failed.insert(i, error.clone());
                    }
                }
            }
            if !by_id {
                return in_order(count, failed, answer.results);
            }
            let mut results: HashMap<String, Deal> = answer
                .results
                .into_iter()
                .map(|deal| (deal.id.clone(), deal))
                .collect();
            (0..count)
                .map(|i| match failed.remove(&i) {
                    Some(error) => Outcome::Failed(Failure::Input(Box::new(error))),
                    None => match results.remove(&ids[i]) {
                        Some(deal) => Outcome::Done(deal),
                        None => Outcome::Unknown(Arc::new(Error::Other(format!(
                            "HubSpot's answer has neither a result nor an error for id {}",
                            ids[i]
                        )))),
                    },
                })
                .collect()
        })
    }
}

/// Batch upsert by a unique property.
pub(crate) struct UpsertOp {
    pub property: String,
}

impl Op<DealUpsert, UpsertedDeal> for UpsertOp {
    fn duplicate_key(&self, input: &DealUpsert) -> Option<String> {
        Some(input.id.clone())
    }

    fn send<'a>(&'a self, client: &'a Client, chunk: Vec<DealUpsert>) -> Sending<'a, UpsertedDeal> {
        Box::pin(async move {
            let count = chunk.len();
            let inputs = chunk
                .into_iter()
                .enumerate()
                .map(|(i, mut input)| {
                    input.id_property = Some(self.property.clone());
                    input.object_write_trace_id = Some(trace_id(i));
                    input
                })
                .collect();
            match client
                .batch_upsert()
                .body(BatchUpsert { inputs })
                .send()
                .await
            {
                Ok(answer) => {
                    let answer = answer.into_inner();
                    traced(count, answer.errors, answer.results)
                }
                Err(error) => all_failed(count, error),
            }
        })
    }
}

/// Batch read by id.
pub(crate) struct ReadOp {
    pub properties: Vec<String>,
}

impl Op<String, Deal> for ReadOp {
    fn send<'a>(&'a self, client: &'a Client, chunk: Vec<String>) -> Sending<'a, Deal> {
        Box::pin(async move {
            let count = chunk.len();
            let mut unique = Vec::new();
            let mut seen = HashSet::new();
            for id in &chunk {
                if seen.insert(id.clone()) {
                    unique.push(DealId { id: id.clone() });
                }
            }
            let body = BatchRead {
                id_property: None,
                inputs: unique,
                properties: self.properties.clone(),
                properties_with_history: vec![],
            };
            let answer = match client.batch_read().body(body).send().await {
                Ok(answer) => answer.into_inner(),
                Err(error) => return all_failed(count, error),
            };
            let results: HashMap<String, Deal> = answer
                .results
                .into_iter()
                .map(|deal| (deal.id.clone(), deal))
                .collect();
            let mut missing: HashMap<String, BatchError> = HashMap::new();
            for error in answer.errors {
                for id in error.context.get("ids").into_iter().flatten() {
                    missing.insert(id.clone(), error.clone());
                }
            }
            chunk
                .iter()
                .map(|id| match (results.get(id), missing.get(id)) {
                    (Some(deal), _) => Outcome::Done(deal.clone()),
                    (None, Some(error)) => Outcome::Failed(Failure::Input(Box::new(error.clone()))),
                    (None, None) => Outcome::Unknown(Arc::new(Error::Other(format!(
                        "HubSpot's answer has neither a result nor an error for id {id}"
                    )))),
                })
                .collect()
        })
    }
}

/// Batch archive by id.
pub(crate) struct ArchiveOp;

impl Op<String, ()> for ArchiveOp {
    fn send<'a>(&'a self, client: &'a Client, chunk: Vec<String>) -> Sending<'a, ()> {
        Box::pin(async move {
            let count = chunk.len();
            let inputs = chunk.into_iter().map(|id| DealId { id }).collect();
            match client
                .batch_archive()
                .body(BatchIds { inputs })
                .send()
                .await
            {
                Ok(_) => (0..count).map(|_| Outcome::Done(())).collect(),
                Err(error) => all_failed(count, error),
            }
        })
    }
}

/// A batch of any size; see the module docs.
#[must_use]
pub struct BatchRun<I, T> {
    client: Client,
    op: Arc<dyn Op<I, T>>,
    inputs: Inputs<I>,
    concurrency: Option<usize>,
}

impl<I, T> fmt::Debug for BatchRun<I, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchRun")
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl<I: Send + 'static, T: Send + 'static> BatchRun<I, T> {
    pub(crate) fn new(client: Client, op: impl Op<I, T>, inputs: Inputs<I>) -> Self {
        Self {
            client,
            op: Arc::new(op),
            inputs,
            concurrency: None,
        }
    }

    /// How many chunks may be in flight at once (at least 1). The default keeps the client's
    /// rate budget busy: its calls per second times half a second, from 1 to 16 (8 without a
    /// rate limit).
    pub fn concurrency(mut self, chunks: usize) -> Self {
        self.concurrency = Some(chunks.max(1));
        self
    }

    fn default_concurrency(&self) -> usize {
        use progenitor_client::ClientInfo;
        match self.client.inner().calls_per_second() {
            Some(rate) => ((rate * ASSUMED_LATENCY.as_secs_f64()).ceil() as usize).clamp(1, 16),
            None => UNLIMITED_CONCURRENCY,
        }
    }

    /// The outcomes, one per input, in input order.
    pub fn stream(self) -> BatchStream<T> {
        let concurrency = self
            .concurrency
            .unwrap_or_else(|| self.default_concurrency());
        let (sender, receiver) = mpsc::channel(concurrency);
        let task = tokio::spawn(dispatch(self, concurrency, sender));
        BatchStream {
            chunks: receiver,
            current: None,
            ready: VecDeque::new(),
            summary: Summary::default(),
            task,
        }
    }

    /// Sends everything and counts the outcomes.
    pub async fn run(self) -> Summary {
        let mut stream = self.stream();
        while crate::stream::next(&mut stream).await.is_some() {}
        stream.summary()
    }
}

/// A chunk on its way: the outcomes decided before sending (duplicates), and the call.
struct Chunk<T> {
    /// Outcomes by position in the input: those decided locally, and the slots for the call's.
    first_index: usize,
    local: Vec<Option<Outcome<T>>>,
    call: JoinHandle<Vec<Outcome<T>>>,
    /// One of the batch's `concurrency` places, held until the reader has taken the chunk's
    /// outcomes: a slow reader slows the sending, and memory stays bounded.
    _place: OwnedSemaphorePermit,
}

/// Reads the inputs, forms chunks, starts each call as its own task, and queues them in order;
/// `concurrency` places bound the chunks sent and not yet read.
async fn dispatch<I: Send + 'static, T: Send + 'static>(
    run: BatchRun<I, T>,
    concurrency: usize,
    queue: mpsc::Sender<Chunk<T>>,
) {
    let BatchRun {
        client,
        op,
        mut inputs,
        ..
    } = run;
    let places = Arc::new(Semaphore::new(concurrency));
    let mut index = 0;
    let mut done = false;
    while !done {
        let Ok(place) = places.clone().acquire_owned().await else {
            return;
        };
        let Ok(room) = queue.reserve().await else {
            return;
        };
        let first_index = index;
        let mut local: Vec<Option<Outcome<T>>> = Vec::new();
        let mut keys: HashMap<String, usize> = HashMap::new();
        let mut chunk = Vec::new();
        while chunk.len() < limits::BATCH_INPUTS {
            let Some(input) = std::future::poll_fn(|cx| inputs.0.as_mut().poll_next(cx)).await
            else {
                done = true;
                break;
            };
            let duplicate = op
                .duplicate_key(&input)
                .and_then(|key| keys.insert(key.clone(), index).map(|first| (key, first)));
            match duplicate {
                Some((key, first)) => {
                    keys.insert(key, first);
                    local.push(Some(Outcome::Failed(Failure::Duplicate { first })));
                }
                None => {
                    local.push(None);
                    chunk.push(input);
                }
            }
            index += 1;
        }
        if local.is_empty() {
            return;
        }
        let (op, client) = (op.clone(), client.clone());
        let call = tokio::spawn(async move {
            if chunk.is_empty() {
                return Vec::new();
            }
            op.send(&client, chunk).await
        });
        room.send(Chunk {
            first_index,
            local,
            call,
            _place: place,
        });
    }
}

/// The outcomes of a batch, one per input, in input order.
///
/// Dropping it stops the batch: no further chunk is sent, and the calls in flight are
/// abandoned (they may or may not have been applied).
pub struct BatchStream<T> {
    chunks: mpsc::Receiver<Chunk<T>>,
    current: Option<Chunk<T>>,
    ready: VecDeque<BatchItem<T>>,
    summary: Summary,
    task: JoinHandle<()>,
}

// No field is pinned: the stream only moves its fields around.
impl<T> Unpin for BatchStream<T> {}

impl<T> BatchStream<T> {
    /// The counts of the outcomes given so far.
    pub fn summary(&self) -> Summary {
        self.summary
    }
}

impl<T> Drop for BatchStream<T> {
    fn drop(&mut self) {
        self.task.abort();
        self.chunks.close();
        while let Ok(chunk) = self.chunks.try_recv() {
            chunk.call.abort();
        }
        if let Some(chunk) = &self.current {
            chunk.call.abort();
        }
    }
}

impl<T: Send + 'static> Stream for BatchStream<T> {
    type Item = BatchItem<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<BatchItem<T>>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.ready.pop_front() {
                this.summary.count(&item.outcome);
                return Poll::Ready(Some(item));
            }
            if this.current.is_none() {
                match ready!(this.chunks.poll_recv(cx)) {
                    Some(chunk) => this.current = Some(chunk),
                    None => return Poll::Ready(None),
                }
            }
            let Some(chunk) = this.current.as_mut() else {
                continue;
            };
            let answered = match ready!(Pin::new(&mut chunk.call).poll(cx)) {
                Ok(outcomes) => outcomes,
                Err(join) => {
                    let error =
                        Arc::new(Error::Other(format!("a batch call did not finish: {join}")));
                    (0..chunk.local.iter().filter(|o| o.is_none()).count())
                        .map(|_| Outcome::Unknown(error.clone()))
                        .collect()
                }
            };
            let Some(chunk) = this.current.take() else {
                continue;
            };
            let mut answered = answered.into_iter();
            for (offset, local) in chunk.local.into_iter().enumerate() {
                let outcome = local.or_else(|| answered.next()).unwrap_or_else(|| {
                    Outcome::Unknown(Arc::new(Error::Other("no outcome for this input".into())))
                });
                this.ready.push_back(BatchItem {
                    index: chunk.first_index + offset,
                    outcome,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(trace: Option<&str>, ids: &[&str]) -> BatchError {
        let mut context = HashMap::new();
        if let Some(trace) = trace {
            context.insert("objectWriteTraceId".to_string(), vec![trace.to_string()]);
        }
        context.insert(
            "ids".to_string(),
            ids.iter().map(|s| s.to_string()).collect(),
        );
        BatchError {
            category: Some("VALIDATION_ERROR".into()),
            context,
            errors: vec![],
            id: None,
            links: HashMap::new(),
            message: "bad".into(),
            status: "error".into(),
            sub_category: None,
        }
    }

    #[test]
    fn errors_are_found_by_trace_id_and_results_go_in_order_to_the_rest() {
        let (failed, other) = errors_by_trace(vec![
            error(Some(&trace_id(1)), &[]),
            error(Some("someone-elses"), &[]),
            error(None, &["7"]),
        ]);
        assert_eq!(failed.keys().copied().collect::<Vec<_>>(), [1]);
        assert_eq!(other.len(), 2);
        let outcomes = in_order(3, failed, vec!["a", "c"]);
        let kinds: Vec<String> = outcomes
            .iter()
            .map(|o| match o {
                Outcome::Done(x) => x.to_string(),
                Outcome::Failed(_) => "failed".into(),
                Outcome::Unknown(_) => "unknown".into(),
            })
            .collect();
        assert_eq!(kinds, ["a", "failed", "c"]);
        let mismatched = in_order(3, HashMap::new(), vec!["a"]);
        assert!(
            mismatched.iter().all(|o| matches!(o, Outcome::Unknown(_))),
            "never guessed"
        );
    }

    #[test]
    fn what_may_have_been_applied() {
        let api = |status| {
            Error::Api(Box::new(crate::ApiError {
                operation: None,
                status,
                category: None,
                sub_category: None,
                message: String::new(),
                correlation_id: None,
                errors: vec![],
                context: HashMap::new(),
                body_excerpt: None,
                retry_after: None,
            }))
        };
        assert!(maybe_applied(&api(502)));
        assert!(!maybe_applied(&api(400)));
        assert!(!maybe_applied(&api(429)));
        assert!(!maybe_applied(&Error::RateLimitWait {
            operation: None,
            wait: Duration::ZERO,
            max_wait: Duration::ZERO
        }));
    }

    #[test]
    fn summaries_count_and_print() {
        let mut summary = Summary::default();
        summary.count(&Outcome::Done(()));
        summary.count(&Outcome::<()>::Failed(Failure::Duplicate { first: 0 }));
        summary.count(&Outcome::<()>::Unknown(Arc::new(Error::Other(
            String::new(),
        ))));
        summary.count(&Outcome::Done(()));
        assert_eq!(summary.to_string(), "4 inputs: 2 done, 1 failed, 1 unknown");
    }
}
