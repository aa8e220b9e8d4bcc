//! Pages fetched by a task of their own, at most one ahead of the caller: the streams of the
//! bulk helpers stand on this.
//!
//! The producer asks for room before it fetches a page, and there is room for one page only,
//! so memory holds at most the page the caller works on and the one fetched ahead, however
//! many pages pass. The next page's latency hides behind the caller's work on the current one.
//! Dropping the stream stops the producer.

use crate::Error;
use futures_core::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Where a producer puts its pages.
pub(crate) struct Feed<T> {
    sender: mpsc::Sender<Result<T, Error>>,
}

impl<T> Feed<T> {
    /// Waits until the caller has taken the previous page; `None` once the stream is gone.
    pub async fn room(&self) -> Option<mpsc::Permit<'_, Result<T, Error>>> {
        self.sender.reserve().await.ok()
    }
}

/// A stream of pages from a producer task.
pub(crate) struct Ahead<T> {
    receiver: mpsc::Receiver<Result<T, Error>>,
    task: JoinHandle<()>,
}

impl<T: Send + 'static> Ahead<T> {
    /// Starts `produce` in a task of its own; it gets the feed to put pages on.
    pub fn spawn<P, F>(produce: P) -> Self
    where
        P: FnOnce(Feed<T>) -> F,
        F: Future<Output = ()> + Send + 'static,
    {
        let (sender, receiver) = mpsc::channel(1);
        let task = tokio::spawn(produce(Feed { sender }));
        Self { receiver, task }
    }
}

impl<T> Stream for Ahead<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.receiver.poll_recv(cx)
    }
}

impl<T> Drop for Ahead<T> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The items of a stream of pages, one at a time; an error ends it.
pub struct Items<T> {
    pages: Ahead<Vec<T>>,
    current: std::collections::VecDeque<T>,
    ended: bool,
}

impl<T> From<Ahead<Vec<T>>> for Items<T> {
    fn from(pages: Ahead<Vec<T>>) -> Self {
        Self {
            pages,
            current: Default::default(),
            ended: false,
        }
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
            match std::task::ready!(Pin::new(&mut this.pages).poll_next(cx)) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    async fn next<T>(stream: &mut Ahead<T>) -> Option<Result<T, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await
    }

    #[tokio::test]
    async fn the_producer_stays_one_page_ahead() {
        let fetched = Arc::new(AtomicUsize::new(0));
        let counter = fetched.clone();
        let mut pages = Ahead::spawn(move |feed| async move {
            for page in 0..10 {
                let Some(room) = feed.room().await else {
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                room.send(Ok(page));
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
        let pages = Ahead::spawn(move |feed: Feed<u32>| async move {
            let _done = done;
            loop {
                let Some(room) = feed.room().await else {
                    return;
                };
                room.send(Ok(1));
            }
        });
        drop(pages);
        assert!(
            finished.await.is_err(),
            "the producer ended without finishing"
        );
    }
}
