//! Progress on standard error: a bar with the count, the rate and a total where one is known,
//! drawn only when standard error is a terminal.

use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::time::Duration;

/// A rate in whole items per second, with thousands separated (`1,325/s`).
fn rate(per_second: f64) -> String {
    let whole = if per_second.is_finite() && per_second > 0.0 {
        per_second.round() as u64
    } else {
        0
    };
    format!("{}/s", HumanCount(whole))
}

/// A progress bar for `what` ("deals", "rows"); `total` when known.
pub fn bar(what: &'static str, total: Option<u64>) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
    style(&bar, what, total.is_some());
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

/// Gives `bar` a total learnt once it started (a search's count): it then shows the share
/// done and an ETA.
pub fn set_total(bar: &ProgressBar, what: &'static str, total: u64) {
    bar.set_length(total);
    style(bar, what, true);
}

/// The count, rate and (with a total) the bar, the share done and the time left.
fn style(bar: &ProgressBar, what: &str, with_total: bool) {
    let template = if with_total {
        format!(
            "{{spinner}} [{{elapsed_precise}}] {{bar:30}} {{human_pos}}/{{human_len}} {what} ({{rate}}, {{eta}} left)"
        )
    } else {
        format!("{{spinner}} [{{elapsed_precise}}] {{human_pos}} {what} ({{rate}})")
    };
    if let Ok(style) = ProgressStyle::with_template(&template) {
        let style = style.with_key(
            "rate",
            |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                let _ = out.write_str(&rate(state.per_sec()));
            },
        );
        bar.set_style(style.progress_chars("=> "));
    }
}

#[cfg(test)]
mod tests {
    use super::rate;

    #[test]
    fn rates_are_whole_items_per_second() {
        assert_eq!(rate(1_325.207_9), "1,325/s");
        assert_eq!(rate(0.4), "0/s");
        assert_eq!(rate(f64::NAN), "0/s");
        assert_eq!(rate(99.5), "100/s");
    }
}
