//! Bulk ingest, as the manual's "Coding for HCP" asks: many files in parallel over all
//! nodes, persistent connections, the path builder's folder layout, one result per file,
//! progress events, and a journal from which an interrupted run resumes.
//!
//! Every file gets exactly one [`FileResult`]: none is lost and none is reported twice,
//! whatever fails. With a journal, the name chosen for a file is written down *before*
//! its PUT is sent; a resumed run reuses it, so a file whose PUT may have landed before
//! the interruption is not stored a second time under another name: its resend meets
//! `409 Conflict`, and the stored hash decides whether it is the same object.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use storkit_core::{Error, ErrorKind};
use tokio::io::AsyncWriteExt;
use tokio::sync::{Mutex, Semaphore};

use crate::client::{HcpClient, Served};
use crate::error::HcpErrorExt;
use crate::objects::{PutBody, PutOptions};
use crate::pathbuilder::PathBuilder;

/// What became of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FileResult {
    /// The local file.
    pub file: PathBuf,
    /// The object's full path in the namespace.
    pub object: String,
    /// The outcome.
    pub outcome: Outcome,
    /// The node that stored the object, the PUT's timings, and whether the replica system
    /// stored it. `None` when this run sent no PUT that was answered: the file failed
    /// before an answer, or the journal recorded it as stored by an earlier run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub served: Option<Served>,
}

/// The outcome of one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// Stored, with HCP's hash; `already` when a resumed run found it stored before.
    Stored {
        /// `X-HCP-Hash`.
        hash: String,
        /// Bytes sent.
        bytes: u64,
        /// True when the object was stored by an earlier (interrupted) run.
        already: bool,
    },
    /// Failed, with the error's text.
    Failed {
        /// The error's kind (`Connect`, `Conflict`, ...).
        kind: String,
        /// The error, as displayed.
        error: String,
    },
}

/// A progress event.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum BulkEvent {
    /// A file's upload starts.
    Started {
        /// The file.
        file: PathBuf,
        /// Its size.
        bytes: u64,
    },
    /// A file is done (stored or failed); `done` of `total` files are.
    Finished {
        /// The file's result, with the node that stored it
        /// ([`FileResult::served`]).
        result: FileResult,
        /// Files done so far, this one included.
        done: usize,
        /// Files in the run.
        total: usize,
    },
}

/// A journal line: the name chosen for a file before its PUT, then its result.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct JournalLine {
    file: PathBuf,
    object: String,
    #[serde(default)]
    outcome: Option<Outcome>,
}

/// What an earlier run left in its journal.
#[derive(Debug, Default)]
struct Journal {
    /// file -> (object, outcome if it finished)
    entries: HashMap<PathBuf, (String, Option<Outcome>)>,
}

impl Journal {
    async fn load(path: &Path) -> io::Result<Journal> {
        let text = match tokio::fs::read_to_string(path).await {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Journal::default()),
            Err(e) => return Err(e),
        };
        let mut j = Journal::default();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            // A line cut short by the interruption is ignored: its file is done again.
            let Ok(l) = serde_json::from_str::<JournalLine>(line) else {
                continue;
            };
            let entry = j.entries.entry(l.file).or_insert((l.object.clone(), None));
            entry.0 = l.object;
            if l.outcome.is_some() {
                entry.1 = l.outcome;
            }
        }
        Ok(j)
    }
}

/// Appends journal lines, one at a time.
struct JournalWriter {
    file: Mutex<tokio::fs::File>,
}

impl JournalWriter {
    async fn write(&self, line: &JournalLine) -> Result<(), Error> {
        let mut text = serde_json::to_string(line)
            .map_err(|e| Error::config("cannot write the journal").with_source(e))?;
        text.push('\n');
        let mut f = self.file.lock().await;
        f.write_all(text.as_bytes())
            .await
            .map_err(|e| io_error("cannot write the journal", e))?;
        f.flush()
            .await
            .map_err(|e| io_error("cannot write the journal", e))
    }
}

fn io_error(what: &str, e: io::Error) -> Error {
    Error::new(ErrorKind::Io).with_message(what).with_source(e)
}

/// A bulk ingest of local files into one namespace.
pub struct BulkIngest {
    client: HcpClient,
    builder: PathBuilder,
    concurrency: usize,
    options: PutOptions,
    journal: Option<PathBuf>,
}

impl fmt::Debug for BulkIngest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkIngest")
            .field("client", &self.client)
            .field("concurrency", &self.concurrency)
            .field("journal", &self.journal)
            .finish_non_exhaustive()
    }
}

impl BulkIngest {
    /// An ingest through `client`, naming objects with `builder` (one UUID per file, in
    /// its `xx/yy` folder; with annotations on, the original file name is stored as custom
    /// metadata). Concurrency defaults to 32.
    pub fn new(client: HcpClient, builder: PathBuilder) -> Self {
        BulkIngest {
            client,
            builder,
            concurrency: 32,
            options: PutOptions::default(),
            journal: None,
        }
    }

    /// How many files are uploaded at once (at least 1). New connections go to the nodes
    /// in round robin, so the uploads spread over all of them.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// The policies of every stored object.
    pub fn options(mut self, options: PutOptions) -> Self {
        self.options = options;
        self
    }

    /// A journal file (JSON lines). Files it records as stored are skipped (and reported
    /// with `already: true`); files it records as started reuse their object name.
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal = Some(path.into());
        self
    }

    /// Uploads `files`, calling `on_event` for progress, and returns one result per file,
    /// in the order given. Fails as a whole only when the journal cannot be read or
    /// written (each file's failure is in its result).
    pub async fn run<F>(
        &self,
        files: impl IntoIterator<Item = PathBuf>,
        on_event: F,
    ) -> Result<Vec<FileResult>, Error>
    where
        F: Fn(&BulkEvent) + Send + Sync + 'static,
    {
        let files: Vec<PathBuf> = files.into_iter().collect();
        let total = files.len();
        let journal = match &self.journal {
            Some(p) => Journal::load(p)
                .await
                .map_err(|e| io_error("cannot read the journal", e))?,
            None => Journal::default(),
        };
        let writer = match &self.journal {
            Some(p) => Some(Arc::new(JournalWriter {
                file: Mutex::new(
                    tokio::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(p)
                        .await
                        .map_err(|e| io_error("cannot open the journal", e))?,
                ),
            })),
            None => None,
        };
        let on_event = Arc::new(on_event);
        let semaphore = Arc::new(Semaphore::new(self.concurrency));
        let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        let mut results: Vec<Option<FileResult>> = vec![None; total];

        for (index, file) in files.into_iter().enumerate() {
            let previous = journal.entries.get(&file).cloned();
            if let Some((object, Some(outcome @ Outcome::Stored { .. }))) = &previous {
                let outcome = match outcome.clone() {
                    Outcome::Stored { hash, bytes, .. } => Outcome::Stored {
                        hash,
                        bytes,
                        already: true,
                    },
                    other => other,
                };
                let result = FileResult {
                    file,
                    object: object.clone(),
                    outcome,
                    served: None,
                };
                let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                on_event(&BulkEvent::Finished {
                    result: result.clone(),
                    done: n,
                    total,
                });
                results[index] = Some(result);
                continue;
            }
            let filename = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // A file the journal knows keeps its name (and annotation); a new one gets a
            // fresh UUID in its folder.
            let unique = previous
                .as_ref()
                .and_then(|(object, _)| object.rsplit('/').next())
                .and_then(|name| uuid::Uuid::parse_str(name).ok())
                .map_or_else(
                    || self.builder.unique(&filename),
                    |uuid| self.builder.unique_with(&filename, uuid),
                );
            // A file the journal knows was started (and maybe stored) before: its PUT may
            // meet its own earlier attempt.
            let resumed = previous.is_some();
            let object = match previous {
                Some((object, _)) => object,
                None => unique.object_path(),
            };
            let annotation = unique.annotation;
            let (client, options, writer, on_event, semaphore, done) = (
                self.client.clone(),
                self.options.clone().resumed(resumed),
                writer.clone(),
                Arc::clone(&on_event),
                Arc::clone(&semaphore),
                Arc::clone(&done),
            );
            tasks.spawn(async move {
                let mut served = None;
                let outcome = async {
                    let _permit = semaphore
                        .acquire()
                        .await
                        .map_err(|e| Error::config("bulk ingest stopped").with_source(e))?;
                    if let Some(w) = &writer {
                        w.write(&JournalLine {
                            file: file.clone(),
                            object: object.clone(),
                            outcome: None,
                        })
                        .await?;
                    }
                    let body = PutBody::file(&file)
                        .await
                        .map_err(|e| io_error("cannot read the file", e))?;
                    let bytes = body.len().unwrap_or(0);
                    on_event(&BulkEvent::Started {
                        file: file.clone(),
                        bytes,
                    });
                    let stored = client.put(&object, body, &options).await?;
                    served = Some(stored.served);
                    if let Some(xml) = annotation {
                        client.put_custom_metadata(&object, None, xml).await?;
                    }
                    Ok::<_, Error>(Outcome::Stored {
                        hash: stored.hash,
                        bytes,
                        already: stored.recovered,
                    })
                }
                .await
                .unwrap_or_else(|e| Outcome::Failed {
                    kind: format!("{:?}", e.kind()),
                    error: e.hcp().map_or_else(|| e.to_string(), ToString::to_string),
                });
                let result = FileResult {
                    file,
                    object,
                    outcome,
                    served,
                };
                // The result line is written even for a failure, so a resumed run
                // knows the name this file was given.
                let journal_error = match &writer {
                    Some(w) => w
                        .write(&JournalLine {
                            file: result.file.clone(),
                            object: result.object.clone(),
                            outcome: Some(result.outcome.clone()),
                        })
                        .await
                        .err(),
                    None => None,
                };
                let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                on_event(&BulkEvent::Finished {
                    result: result.clone(),
                    done: n,
                    total,
                });
                (index, result, journal_error)
            });
        }

        let mut journal_error = None;
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((index, result, err)) => {
                    if let Some(slot) = results.get_mut(index) {
                        *slot = Some(result);
                    }
                    if journal_error.is_none() {
                        journal_error = err;
                    }
                }
                Err(e) => {
                    return Err(Error::config("a bulk ingest task failed").with_source(e));
                }
            }
        }
        if let Some(e) = journal_error {
            return Err(e);
        }
        results
            .into_iter()
            .map(|r| r.ok_or_else(|| Error::config("a file has no result")))
            .collect()
    }
}
