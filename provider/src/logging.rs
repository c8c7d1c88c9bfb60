//! Logs in the form Terraform's plugin client understands.
//!
//! Terraform reads a provider's stderr line by line; a line that is a JSON object with
//! `@level`, `@message` and `@timestamp` (hclog's JSON form) is re-levelled and shown under
//! `TF_LOG` / `TF_LOG_PROVIDER`. The level is taken the way terraform-plugin-log takes it:
//! `TF_LOG_PROVIDER_FF`, then `TF_LOG_PROVIDER`, then `TF_LOG`; a value that is not a level
//! name (`JSON`, `1`) means `TRACE`; nothing set means no logs at all.
//!
//! Nothing secret is ever passed to `tracing` in this crate: clients log methods, paths and
//! statuses, never headers or bodies. Events of other crates are kept at `WARN` and above.

use std::io::Write;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

const OWN_TARGET: &str = "ff_provider";

/// The level asked for by the environment, `OFF` when logging is not enabled.
pub fn level_from_env() -> LevelFilter {
    let value = ["TF_LOG_PROVIDER_FF", "TF_LOG_PROVIDER", "TF_LOG"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()));
    match value.as_deref().map(|v| v.trim().to_ascii_lowercase()) {
        None => LevelFilter::OFF,
        Some(v) => match v.as_str() {
            "off" => LevelFilter::OFF,
            "error" => LevelFilter::ERROR,
            "warn" => LevelFilter::WARN,
            "info" => LevelFilter::INFO,
            "debug" => LevelFilter::DEBUG,
            _ => LevelFilter::TRACE,
        },
    }
}

/// Install the JSON-lines logger on stderr at the level the environment asks for.
pub fn init() {
    let level = level_from_env();
    if level == LevelFilter::OFF {
        return;
    }
    // A second installation (tests) is harmless: the first one stays.
    let _ = tracing_subscriber::registry()
        .with(HclogLayer { level })
        .try_init();
}

struct HclogLayer {
    level: LevelFilter,
}

impl<S: Subscriber> Layer<S> for HclogLayer {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        let own = metadata.target().starts_with(OWN_TARGET);
        let limit = if own {
            self.level
        } else {
            self.level.min(LevelFilter::WARN)
        };
        metadata.level() <= &limit
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = FieldCollector::default();
        event.record(&mut fields);
        let line = format_line(
            *event.metadata().level(),
            event.metadata().target(),
            fields.message,
            fields.fields,
        );
        let mut stderr = std::io::stderr().lock();
        let _ = stderr.write_all(line.as_bytes());
    }
}

/// One hclog JSON line (with its newline) for an event.
fn format_line(level: Level, target: &str, message: String, fields: Map<String, Value>) -> String {
    let mut object = Map::new();
    object.insert("@level".into(), Value::from(level_name(level)));
    object.insert("@message".into(), Value::from(message));
    object.insert("@module".into(), Value::from(module_name(target)));
    object.insert("@timestamp".into(), Value::from(timestamp()));
    for (key, value) in fields {
        object.entry(key).or_insert(value);
    }
    let mut line = Value::Object(object).to_string();
    line.push('\n');
    line
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// `ff_provider::backends::vault` → `provider.ff.backends.vault`.
fn module_name(target: &str) -> String {
    match target.strip_prefix(OWN_TARGET) {
        Some(rest) => format!("provider.ff{}", rest.replace("::", ".")),
        None => format!("provider.ff.{}", target.replace("::", ".")),
    }
}

/// RFC 3339 with microseconds, as hclog writes it.
fn timestamp() -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

#[derive(Default)]
struct FieldCollector {
    message: String,
    fields: Map<String, Value>,
}

impl Visit for FieldCollector {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.fields
                .insert(field.name().to_string(), Value::from(text));
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.fields
                .insert(field.name().to_string(), Value::from(value));
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.fields
            .insert(field.name().to_string(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.fields
            .insert(field.name().to_string(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.fields
            .insert(field.name().to_string(), Value::from(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_is_hclog_json() {
        let mut fields = Map::new();
        fields.insert("status".into(), Value::from(200));
        let line = format_line(
            Level::INFO,
            "ff_provider::backends::vault",
            "done".into(),
            fields,
        );
        assert!(line.ends_with('\n'));
        let parsed: Value = serde_json::from_str(line.trim_end()).expect("one JSON object");
        assert_eq!(parsed["@level"], "info");
        assert_eq!(parsed["@message"], "done");
        assert_eq!(parsed["@module"], "provider.ff.backends.vault");
        assert_eq!(parsed["status"], 200);
        let ts = parsed["@timestamp"].as_str().unwrap_or_default();
        assert_eq!(
            ts.len(),
            "2026-01-01T00:00:00.000000Z".len(),
            "timestamp {ts}"
        );
    }
}
