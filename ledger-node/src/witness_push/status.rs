//! What the push task reports per witness: the size it last cosigned and
//! the last error, for `/readyz` (detail, never a readiness failure: a
//! witness being down must not take the log out of its load balancer).

use std::sync::Mutex;

/// One witness's progress.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WitnessProgress {
    /// The witness name (its key name).
    pub name: String,
    /// Largest checkpoint size it cosigned since the node started (0: none yet).
    pub cosigned_size: u64,
    /// The last error's stable kind and message, cleared by a success.
    pub last_error: Option<(String, String)>,
}

/// Every pushed witness's progress, shared by the push tasks and `/readyz`.
#[derive(Debug, Default)]
pub struct PushStatus {
    witnesses: Mutex<Vec<WitnessProgress>>,
}

impl PushStatus {
    /// A status for these witness names, in order.
    pub fn new(names: Vec<String>) -> PushStatus {
        PushStatus {
            witnesses: Mutex::new(
                names
                    .into_iter()
                    .map(|name| WitnessProgress {
                        name,
                        ..WitnessProgress::default()
                    })
                    .collect(),
            ),
        }
    }

    /// A copy of every witness's progress.
    pub fn snapshot(&self) -> Vec<WitnessProgress> {
        self.witnesses.lock().map(|w| w.clone()).unwrap_or_default()
    }

    pub(super) fn update(&self, index: usize, f: impl FnOnce(&mut WitnessProgress)) {
        if let Ok(mut w) = self.witnesses.lock() {
            if let Some(p) = w.get_mut(index) {
                f(p);
            }
        }
    }

    /// `/readyz` lines, one per witness.
    pub fn readyz_lines(&self) -> String {
        let mut out = String::new();
        for w in self.snapshot() {
            out.push_str(&format!("witness {}: cosigned size {}", w.name, w.cosigned_size));
            if let Some((kind, message)) = &w.last_error {
                out.push_str(&format!("; last error {kind}: {message}"));
            }
            out.push('\n');
        }
        out
    }
}
