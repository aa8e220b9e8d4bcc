//! [`Feed`]: the journal's entries in order, each read once, with its content fetched and
//! typed.

use super::change::JournalEntry;
use super::content::{self, MAX_CONTENT_BYTES};
use super::types::{BatchInputString, JournalFetchResponse};
use crate::Error;
use chrono::{DateTime, Utc};
use progenitor_client::ClientInfo;
use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The most entries one batch read asks for.
pub const MAX_BATCH: u32 = 100;

/// How many times an entry's content is asked for again with a fresh URL.
const CONTENT_ATTEMPTS: usize = 3;

/// How many entry contents are downloaded at once (they come from storage, not HubSpot's
/// API, so the app's rate budget does not limit them; order is kept).
pub const DOWNLOADS_AT_ONCE: usize = 8;

/// Where a feed starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// With the oldest entry the journal still holds.
    Earliest,
    /// With entries published after the newest entry there is when the feed first reads.
    Latest,
    /// After this offset: the one stored with the last entry applied.
    After(String),
}

/// How many calls a feed made, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FeedCalls {
    /// Journal reads (HubSpot's API, in the app's budget).
    pub reads: u64,
    /// Content downloads (from the URLs the reads hand out; not HubSpot's API budget).
    pub downloads: u64,
}

/// The journal's entries, in order, each with its changes typed.
///
/// **Guarantees.** Entries come in the journal's order, each once per feed: the feed moves
/// past an entry only when it hands it out. Store [`JournalEntry::offset`] after applying an
/// entry's changes and start the next feed with [`Start::After`]: every later entry comes,
/// none twice (at most once per offset; a crash between applying and storing gives that one
/// entry again, so apply idempotently or store the offset in the same transaction).
/// An offset the journal no longer holds is [`Error::JournalOffsetExpired`], never a silent
/// jump to the latest entry: recover with [`bridge_gap`](super::bridge_gap).
///
/// Reading follows the journal's batches (`batch/{offset}/next/{count}`, up to 100 entries a
/// call) and downloads each entry's content from its short-lived URL without credentials (it
/// is a presigned storage URL, not HubSpot's API), [`DOWNLOADS_AT_ONCE`] at a time in order;
/// a URL that expired is asked for again.
/// [`next`](Feed::next) waits at the head of the journal, from one second doubling to 30.
///
/// ```no_run
/// # async fn run(app: hubspot_deals::Client, stored: Option<String>) -> Result<(), hubspot_deals::Error> {
/// use hubspot_deals::journal::{ChangeKind, Feed, Start};
/// let start = stored.map_or(Start::Latest, Start::After);
/// let mut feed = Feed::new(&app, start).local(62515);
/// loop {
///     let entry = feed.next().await?;
///     for change in &entry.changes {
///         if let ChangeKind::PropertyChanged { name, new, .. } = &change.kind {
///             println!("deal {:?}: {name} = {new:?}", change.deal_id);
///         }
///     }
///     // store entry.offset here, with what the changes did
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct Feed {
    journal: Journal,
    position: Start,
    batch: NonZeroU32,
    ready: VecDeque<JournalEntry>,
    covered_before: Option<DateTime<Utc>>,
    first_wait: Duration,
    max_wait: Duration,
    wait: Duration,
}

impl Feed {
    /// A feed of the app's global journal (every installing account) from `start`; the
    /// client carries the app's client-credentials token.
    pub fn new(client: &crate::Client, start: Start) -> Self {
        Self {
            journal: Journal {
                client: client.clone(),
                local: None,
                calls: Arc::default(),
                content_hosts: Arc::default(),
            },
            position: start,
            batch: NonZeroU32::new(MAX_BATCH).unwrap_or(NonZeroU32::MIN),
            ready: VecDeque::new(),
            covered_before: None,
            first_wait: Duration::from_secs(1),
            max_wait: Duration::from_secs(30),
            wait: Duration::from_secs(1),
        }
    }

    /// Reads one account's journal (`installPortalId`) instead of the global one.
    pub fn local(mut self, portal_id: i32) -> Self {
        self.journal.local = Some(portal_id);
        self
    }

    /// Also fetches entry content from `host` and its subdomains (over https), should
    /// HubSpot hand out content URLs there: see [`content`](super::content) for the hosts
    /// allowed without it.
    pub fn allow_content_host(mut self, host: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.journal.content_hosts).push(host.into());
        self
    }

    /// Entries asked for a call (1 to [`MAX_BATCH`], default 100).
    pub fn batch(mut self, count: u32) -> Self {
        self.batch = NonZeroU32::new(count.clamp(1, MAX_BATCH)).unwrap_or(NonZeroU32::MIN);
        self
    }

    /// How long [`next`](Feed::next) waits at the head of the journal: `first`, doubling up
    /// to `max` while nothing comes (default 1 s to 30 s).
    pub fn idle_wait(mut self, first: Duration, max: Duration) -> Self {
        self.first_wait = first;
        self.max_wait = max.max(first);
        self.wait = first;
        self
    }

    /// Marks changes that happened before `time` as [`covered`](super::DealChange::covered)
    /// (a gap bridge's reads reflect them); [`Bridge::feed`](super::Bridge::feed) sets it.
    pub fn covered_before(mut self, time: DateTime<Utc>) -> Self {
        self.covered_before = Some(time);
        self
    }

    /// Where the feed stands: after the last entry handed out.
    pub fn position(&self) -> &Start {
        &self.position
    }

    /// The calls made so far.
    pub fn calls(&self) -> FeedCalls {
        FeedCalls {
            reads: self.journal.calls.reads.load(Ordering::Relaxed),
            downloads: self.journal.calls.downloads.load(Ordering::Relaxed),
        }
    }

    /// The next entry, waiting (with backoff) while the journal has nothing new.
    pub async fn next(&mut self) -> Result<JournalEntry, Error> {
        loop {
            if let Some(entry) = self.take() {
                self.wait = self.first_wait;
                return Ok(entry);
            }
            if self.fill().await? == 0 {
                let clock = self.journal.client.inner().clock().clone();
                clock.sleep(self.wait).await;
                self.wait = self.wait.saturating_mul(2).min(self.max_wait);
            }
        }
    }

    /// The entries available now, in order (empty at the head of the journal): one batch
    /// read and its downloads.
    pub async fn poll(&mut self) -> Result<Vec<JournalEntry>, Error> {
        if self.ready.is_empty() {
            self.fill().await?;
        }
        Ok(std::iter::from_fn(|| self.take()).collect())
    }

    /// Fixes where the feed starts, now: [`Start::Latest`] becomes the newest entry there is
    /// ([`Start::Earliest`] when the journal is empty), so the position can be stored before
    /// anything is read. Other starts stay as they are.
    pub async fn fix_start(&mut self) -> Result<&Start, Error> {
        if self.position == Start::Latest {
            self.position = match self.journal.latest().await? {
                Some(offset) => Start::After(offset),
                None => Start::Earliest,
            };
        }
        Ok(&self.position)
    }

    /// Hands out the next entry read, moving the position past it.
    fn take(&mut self) -> Option<JournalEntry> {
        let entry = self.ready.pop_front()?;
        self.position = Start::After(entry.offset.clone());
        Some(entry)
    }

    /// Reads the next batch after the position into `ready`; how many came. Contents are
    /// downloaded [`DOWNLOADS_AT_ONCE`] at a time, kept in the journal's order; an entry
    /// that fails stops the batch there (those before it are handed out, it is read again).
    async fn fill(&mut self) -> Result<usize, Error> {
        self.fix_start().await?;
        let listed = match self.position.clone() {
            Start::After(offset) => match self.journal.after(&offset, self.batch).await {
                Ok(listed) => listed,
                Err(e) if e.status() == Some(404) => {
                    // At the head, or past retention: the journal still holding the offset
                    // tells which.
                    let held = self.journal.read(std::slice::from_ref(&offset)).await?;
                    if held.is_empty() {
                        return Err(Error::JournalOffsetExpired { offset });
                    }
                    Vec::new()
                }
                Err(e) => return Err(e),
            },
            _ => self.journal.earliest(self.batch).await?,
        };
        let count = listed.len();
        let mut listed = listed.into_iter();
        let mut pending = VecDeque::new();
        loop {
            while pending.len() < DOWNLOADS_AT_ONCE {
                let Some(fetched) = listed.next() else { break };
                pending.push_back(tokio::spawn(self.journal.clone().download(fetched)));
            }
            let Some(download) = pending.pop_front() else {
                break;
            };
            let mut entry = download
                .await
                .map_err(|e| Error::Other(format!("a journal download stopped: {e}")))??;
            if let Some(before) = self.covered_before {
                for change in &mut entry.changes {
                    change.covered = change.occurred_at.is_some_and(|at| at < before);
                }
            }
            self.ready.push_back(entry);
        }
        Ok(count)
    }
}

/// Calls made, shared by a feed's downloads.
#[derive(Debug, Default)]
struct Counts {
    reads: AtomicU64,
    downloads: AtomicU64,
}

/// The journal's reads, for one feed (cheap to clone: downloads run as tasks of their own).
#[derive(Debug, Clone)]
struct Journal {
    client: crate::Client,
    local: Option<i32>,
    calls: Arc<Counts>,
    /// Hosts (and their subdomains) content may also come from.
    content_hosts: Arc<Vec<String>>,
}

impl Journal {
    fn count_read(&self) {
        self.calls.reads.fetch_add(1, Ordering::Relaxed);
    }

    async fn latest(&self) -> Result<Option<String>, Error> {
        self.count_read();
        let api = self.client.journal();
        let page = match self.local {
            Some(portal) => {
                let call = api.local_journal_batch_latest().count(NonZeroU32::MIN);
                call.install_portal_id(portal).send().await?
            }
            None => {
                let call = api.journal_batch_latest().count(NonZeroU32::MIN);
                call.send().await?
            }
        };
        Ok(page
            .into_inner()
            .results
            .last()
            .map(|r| r.current_offset.to_string()))
    }

    async fn earliest(&self, count: NonZeroU32) -> Result<Vec<JournalFetchResponse>, Error> {
        self.count_read();
        let api = self.client.journal();
        let page = match self.local {
            Some(portal) => {
                let call = api.local_journal_batch_earliest().count(count);
                call.install_portal_id(portal).send().await?
            }
            None => api.journal_batch_earliest().count(count).send().await?,
        };
        Ok(page.into_inner().results)
    }

    async fn after(
        &self,
        offset: &str,
        count: NonZeroU32,
    ) -> Result<Vec<JournalFetchResponse>, Error> {
        self.count_read();
        let api = self.client.journal();
        let page = match self.local {
            Some(portal) => {
                let call = api.local_journal_batch_next().offset(offset);
                call.count(count).install_portal_id(portal).send().await?
            }
            None => {
                let call = api.journal_batch_next().offset(offset);
                call.count(count).send().await?
            }
        };
        Ok(page.into_inner().results)
    }

    /// The entries the journal still holds of `offsets`, with fresh URLs.
    async fn read(&self, offsets: &[String]) -> Result<Vec<JournalFetchResponse>, Error> {
        self.count_read();
        let api = self.client.journal();
        let body = BatchInputString {
            inputs: offsets.to_vec(),
        };
        let page = match self.local {
            Some(portal) => {
                let call = api.local_journal_batch_read().body(body);
                call.install_portal_id(portal).send().await?
            }
            None => api.journal_batch_read().body(body).send().await?,
        };
        Ok(page.into_inner().results)
    }

    /// An entry's content, typed; a URL that no longer works is asked for again.
    async fn download(self, mut fetched: JournalFetchResponse) -> Result<JournalEntry, Error> {
        let offset = fetched.current_offset.to_string();
        let mut reason = String::new();
        for attempt in 0..CONTENT_ATTEMPTS {
            if attempt > 0 {
                match self.read(std::slice::from_ref(&offset)).await?.pop() {
                    Some(fresh) => fetched = fresh,
                    None => return Err(Error::JournalOffsetExpired { offset }),
                }
            }
            let api = self.client.baseurl();
            if let Err(why) = content::check_url(&fetched.url, api, &self.content_hosts) {
                return Err(Error::JournalContent {
                    offset,
                    reason: format!("not fetched: {why}"),
                });
            }
            self.calls.downloads.fetch_add(1, Ordering::Relaxed);
            match fetch(self.client.client(), &fetched.url).await {
                Ok(Fetched::Content(bytes)) => {
                    return content::decode(&offset, &bytes)
                        .map_err(|reason| Error::JournalContent { offset, reason });
                }
                Ok(Fetched::Refused(status)) => {
                    reason = format!("the URL answered {status} (expired or refused)");
                }
                Err(e) => reason = e,
            }
        }
        Err(Error::JournalContent {
            offset,
            reason: format!("{reason}, after {CONTENT_ATTEMPTS} URLs"),
        })
    }
}

/// What a content URL gave.
enum Fetched {
    /// The content's bytes, at most [`MAX_CONTENT_BYTES`].
    Content(Vec<u8>),
    /// A status that a fresh URL may cure (403, 404, 410, …).
    Refused(u16),
}

/// Downloads a content URL without credentials; `Err` for what a fresh URL does not cure
/// (a body too large), transport failures included as text.
async fn fetch(http: &reqwest::Client, url: &str) -> Result<Fetched, String> {
    let mut response = http
        .get(url)
        .send()
        .await
        .map_err(|e| format!("the download failed: {}", e.without_url()))?;
    let status = response.status();
    if !status.is_success() {
        return Ok(Fetched::Refused(status.as_u16()));
    }
    if response
        .content_length()
        .is_some_and(|length| length > MAX_CONTENT_BYTES as u64)
    {
        return Err(format!(
            "the content is larger than {MAX_CONTENT_BYTES} bytes, which the feed does not read"
        ));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("the download was cut off: {}", e.without_url()))?
    {
        if body.len() + chunk.len() > MAX_CONTENT_BYTES {
            return Err(format!(
                "the content is larger than {MAX_CONTENT_BYTES} bytes, which the feed does not read"
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Fetched::Content(body))
}
