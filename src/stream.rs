//! The streams of the bulk helpers: pages fetched by a task of their own, one page ahead of
//! the caller, given out item by item ([`Items`]). Resumable helpers wrap it and note where
//! they stand as each item passes ([`DealStream`](crate::paging::DealStream),
//! [`SearchStream`](crate::search::SearchStream)).
//!
//! The producer reserves room before it fetches a page, and there is room for one page only,
//! so memory holds at most the page the caller works on and the one fetched ahead, however
//! many pages pass. The next page's latency hides behind the caller's work on the current one.
//! Dropping the stream stops the producer.

use crate::Error;
use futures_core::Stream;
use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Where a producer puts its pages.
pub(crate) struct Producer<T> {
    sender: mpsc::Sender<Result<T, Error>>,
}

impl<T> Producer<T> {
    /// Waits until the caller has taken the previous page; `None` once the stream is gone.
    pub async fn reserve(&self) -> Option<mpsc::Permit<'_, Result<T, Error>>> {
        self.sender.reserve().await.ok()
    }

    /// Sends `error` as the last page, when the caller takes it.
    pub async fn fail(&self, error: Error) {
        if let Some(slot) = self.reserve().await {
            slot.send(Err(error));
        }
    }
}

/// A stream of pages from a producer task, one page ahead of the caller.
pub(crate) struct Prefetch<T> {
    receiver: mpsc::Receiver<Result<T, Error>>,
    task: JoinHandle<()>,
}

impl<T: Send + 'static> Prefetch<T> {
    /// Starts `produce` in a task of its own; it gets the producer to put pages on.
    pub fn spawn<P, F>(produce: P) -> Self
    where
        P: FnOnce(Producer<T>) -> F,
        F: Future<Output = ()> + Send + 'static,
    {
        let (sender, receiver) = mpsc::channel(1);
        let task = tokio::spawn(produce(Producer { sender }));
        Self { receiver, task }
    }
}

impl<T> Stream for Prefetch<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.receiver.poll_recv(cx)
    }
}

impl<T> Drop for Prefetch<T> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The items of a bulk helper, one at a time, from pages fetched one ahead; an error ends
/// it. Memory stays flat however many items pass.
pub struct Items<T> {
    pages: Prefetch<Vec<T>>,
    current: VecDeque<T>,
    ended: bool,
}

impl<T> Items<T> {
    pub(crate) fn new(pages: Prefetch<Vec<T>>) -> Self {
        Self {
            pages,
            current: VecDeque::new(),
            ended: false,
        }
    }
}

impl<T> std::fmt::Debug for Items<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Items")
            .field("buffered", &self.current.len())
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}

impl<T: Unpin> Stream for Items<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.current.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            if this.ended {
                return Poll::Ready(None);
            }
            match ready!(Pin::new(&mut this.pages).poll_next(cx)) {
                Some(Ok(page)) => this.current = page.into(),
                Some(Err(error)) => {
                    this.ended = true;
                    return Poll::Ready(Some(Err(error)));
                }
                None => this.ended = true,
            }
        }
    }
}

/// The next item of a stream (the crate has no `StreamExt`).
pub(crate) async fn next<S: Stream + Unpin>(stream: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn the_producer_stays_one_page_ahead() {
        let fetched = Arc::new(AtomicUsize::new(0));
        let counter = fetched.clone();
        let mut pages = Prefetch::spawn(move |producer| async move {
            for page in 0..10 {
                let Some(slot) = producer.reserve().await else {
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                slot.send(Ok(page));
            }
        });
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        assert_eq!(fetched.load(Ordering::SeqCst), 1, "one page ahead, no more");
        assert_eq!(next(&mut pages).await.unwrap().unwrap(), 0);
        for _ in 0..20 {
            tokio::task::yield_now().await;
        }
        assert_eq!(fetched.load(Ordering::SeqCst), 2);
        let mut rest = Vec::new();
        while let Some(page) = next(&mut pages).await {
            rest.push(page.unwrap());
        }
        assert_eq!(rest, (1..10).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn dropping_the_stream_stops_the_producer() {
        let (done, finished) = tokio::sync::oneshot::channel::<()>();
        let pages = Prefetch::spawn(move |producer: Producer<u32>| async move {
            let _done = done;
            loop {
                let Some(slot) = producer.reserve().await else {
                    return;
                };
                slot.send(Ok(1));
            }
        });
        drop(pages);
        assert!(
            finished.await.is_err(),
            "the producer ended without finishing"
        );
    }

    #[tokio::test]
    async fn items_flatten_pages_and_an_error_ends_them() {
        let mut items = Items::new(Prefetch::spawn(|producer| async move {
            for page in [vec![1, 2], vec![], vec![3]] {
                let Some(slot) = producer.reserve().await else {
                    return;
                };
                slot.send(Ok(page));
            }
            producer.fail(Error::Other("page 4 failed".into())).await;
        }));
        let mut seen = Vec::new();
        while let Some(item) = next(&mut items).await {
            seen.push(item.map_err(|e| e.to_string()));
        }
        assert_eq!(
            seen,
            [Ok(1), Ok(2), Ok(3), Err("page 4 failed".to_string())]
        );
        assert!(next(&mut items).await.is_none(), "ended");
    }
}
