//! The shared budget in Redis: one sorted set per budget (`hubspot-deals:{name}:ten-secondly`
//! and `:search`), members the permits, scores the times they were given in milliseconds by
//! Redis's own clock (so the machines' clocks need not agree). One Lua script per permit
//! prunes the window, adds what HubSpot's headers taught, and either adds the permit or says
//! how long until a slot frees: atomic, so any number of processes share the budget exactly.
//!
//! The connection is redis-rs's `ConnectionManager` (multiplexed, reconnects by itself), made
//! on first use; every operation is bounded by the shared budget's timeout.

use super::shared::{Answer, Ask, SharedBudget, Store, StoreFuture, WhenUnavailable};
use crate::error::Error;
use crate::operations::Budget;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

/// Takes a permit: `KEYS[1]` the window; `ARGV`: the limit, the window kept (ms), the permit's
/// member, then a fill (calls HubSpot counted; compared with the permits of the last how many
/// ms; the missing ones added how many ms ago; 0 calls for none), 1 to take a permit (0 to
/// only learn), then the ages in ms of calls the store has not seen. Returns 0 when there is room (and the permit was added), or the
/// milliseconds until a slot frees.
const TAKE: &str = r"
pcall(redis.replicate_commands)
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local kept = tonumber(ARGV[2])
local member = ARGV[3]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - kept)
for i = 8, #ARGV do
  redis.call('ZADD', key, now - tonumber(ARGV[i]), member .. ':unseen:' .. i)
end
local spent = tonumber(ARGV[4])
if spent > 0 then
  local at = now - tonumber(ARGV[6])
  local seen = redis.call('ZCOUNT', key, '(' .. (now - tonumber(ARGV[5])), '+inf')
  for i = seen + 1, math.min(spent, limit) do
    redis.call('ZADD', key, at, member .. ':fill:' .. i)
  end
end
local count = redis.call('ZCARD', key)
if count < limit then
  if ARGV[7] == '1' then
    redis.call('ZADD', key, now, member)
  end
  redis.call('PEXPIRE', key, kept)
  return 0
end
redis.call('PEXPIRE', key, kept)
local frees = redis.call('ZRANGE', key, count - limit, count - limit, 'WITHSCORES')
return math.max(1, tonumber(frees[2]) + kept - now)
";

/// Moves a permit (`ARGV[1]`) to now less `ARGV[2]` ms, if it is still in the window
/// `KEYS[1]` and stands earlier.
const RETIME: &str = r"
pcall(redis.replicate_commands)
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local to = now - tonumber(ARGV[2])
local at = redis.call('ZSCORE', KEYS[1], ARGV[1])
if at and tonumber(at) < to then
  redis.call('ZADD', KEYS[1], 'XX', to, ARGV[1])
end
return 0
";

/// A shared window in Redis.
struct RedisStore {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    /// The key prefix: `hubspot-deals:{name}:`.
    prefix: String,
    take: redis::Script,
    retime: redis::Script,
}

impl fmt::Debug for RedisStore {
    // The URL can carry a password: only the address is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Redis")
            .field(
                "address",
                &self.client.get_connection_info().addr().to_string(),
            )
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// Runs `operation` within `timeout`; its error, or the timeout, as a message.
async fn bounded<T>(
    timeout: Duration,
    operation: impl Future<Output = redis::RedisResult<T>>,
) -> Result<T, String> {
    match tokio::time::timeout(timeout, operation).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(format!("Redis: {}", describe(&error))),
        Err(_) => Err(format!(
            "Redis did not answer within {} ms",
            timeout.as_millis()
        )),
    }
}

/// A Redis error in a few words (never a URL or a password).
fn describe(error: &redis::RedisError) -> String {
    if error.is_connection_refusal() {
        "connection refused".into()
    } else if error.is_timeout() {
        "timed out".into()
    } else if error.is_connection_dropped() || error.is_io_error() {
        "connection lost".into()
    } else if error.kind() == redis::ErrorKind::AuthenticationFailed {
        "authentication failed (check the user and password in the Redis URL)".into()
    } else {
        format!("{:?} error", error.kind())
    }
}

impl RedisStore {
    fn key(&self, budget: Budget) -> String {
        format!("{}{}", self.prefix, budget.name())
    }

    /// The connection, made on first use (and remade by the manager after a failure).
    async fn connection(&self, timeout: Duration) -> redis::RedisResult<ConnectionManager> {
        let manager = self.connection.get_or_try_init(|| async {
            let config = ConnectionManagerConfig::new()
                .set_connection_timeout(Some(timeout))
                .set_response_timeout(Some(timeout))
                .set_number_of_retries(1)
                .set_max_delay(timeout);
            ConnectionManager::new_lazy_with_config(self.client.clone(), config)
        });
        Ok(manager.await?.clone())
    }
}

/// The store behind an `Arc`, so its futures own what they use.
#[derive(Debug, Clone)]
struct Shared(Arc<RedisStore>);

impl Store for Shared {
    fn ask(&self, ask: Ask, timeout: Duration) -> StoreFuture<Answer> {
        let store = self.0.clone();
        Box::pin(async move {
            let key = store.key(ask.budget);
            let millis = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
            let (spent, since, age) = ask.fill.map_or((0, 0, 0), |fill| {
                (fill.spent, millis(fill.since), millis(fill.age))
            });
            let wait: u64 = bounded(timeout, async {
                let mut connection = store.connection(timeout).await?;
                let mut invocation = store.take.key(&key);
                invocation
                    .arg(ask.limit)
                    .arg(millis(ask.kept))
                    .arg(&ask.member)
                    .arg(spent)
                    .arg(since)
                    .arg(age)
                    .arg(u8::from(ask.take));
                for unseen in &ask.unseen {
                    invocation.arg(millis(*unseen));
                }
                invocation.invoke_async(&mut connection).await
            })
            .await?;
            Ok(if wait == 0 {
                Answer::Granted
            } else {
                Answer::Wait(Duration::from_millis(wait))
            })
        })
    }

    fn give_back(&self, budget: Budget, member: String, timeout: Duration) -> StoreFuture<()> {
        let store = self.0.clone();
        Box::pin(async move {
            let key = store.key(budget);
            bounded(timeout, async {
                let mut connection = store.connection(timeout).await?;
                redis::cmd("ZREM")
                    .arg(&key)
                    .arg(&member)
                    .query_async::<()>(&mut connection)
                    .await
            })
            .await
        })
    }

    fn retime(
        &self,
        budget: Budget,
        member: String,
        headroom: Duration,
        timeout: Duration,
    ) -> StoreFuture<()> {
        let store = self.0.clone();
        Box::pin(async move {
            let key = store.key(budget);
            let headroom = u64::try_from(headroom.as_millis()).unwrap_or(u64::MAX);
            bounded(timeout, async {
                let mut connection = store.connection(timeout).await?;
                store
                    .retime
                    .key(&key)
                    .arg(&member)
                    .arg(headroom)
                    .invoke_async::<()>(&mut connection)
                    .await
            })
            .await
        })
    }
}

impl SharedBudget {
    /// A budget shared through the Redis server at `url` (`redis://[user:password@]host[:port][/db]`),
    /// under `name` (the HubSpot app or portal the budget belongs to: processes with the same
    /// Redis and name share one budget). Nothing connects until the first call; while Redis
    /// cannot be reached, calls follow `when_unavailable`.
    ///
    /// ```
    /// use hubspot_deals::{Client, RateLimit, SharedBudget, WhenUnavailable};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let shared = SharedBudget::redis(
    ///     "redis://127.0.0.1:6379/",
    ///     "portal-12345",
    ///     WhenUnavailable::local(4), // four workers: each goes on at a quarter meanwhile
    /// )?;
    /// let client = Client::builder()
    ///     .private_app_token("pat-na1-...")
    ///     .rate_limit(RateLimit::PROFESSIONAL)
    ///     .shared_budget(shared)
    ///     .build()?;
    /// # let _ = client;
    /// # Ok(())
    /// # }
    /// ```
    pub fn redis(url: &str, name: &str, when_unavailable: WhenUnavailable) -> Result<Self, Error> {
        if name.is_empty() {
            return Err(Error::InvalidRequest(
                "a shared budget needs a name (the HubSpot app or portal id)".into(),
            ));
        }
        // The URL may carry a password: the error names the problem, not the URL.
        let client = redis::Client::open(url).map_err(|error| {
            Error::InvalidRequest(format!(
                "the Redis URL for the shared budget {name:?} is not valid ({:?}); expected \
                 redis://[user:password@]host[:port][/db]",
                error.kind()
            ))
        })?;
        let store = RedisStore {
            client,
            connection: OnceCell::new(),
            prefix: format!("hubspot-deals:{name}:"),
            take: redis::Script::new(TAKE),
            retime: redis::Script::new(RETIME),
        };
        Ok(Self::with_store(
            name,
            Arc::new(Shared(Arc::new(store))),
            when_unavailable,
        ))
    }
}
