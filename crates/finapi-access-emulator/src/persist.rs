//! State that lasts: the emulator's state in a JSON file, written atomically (a temporary file
//! renamed over it) and guarded by an exclusive lock on a sibling `.lock` file, so that two
//! processes using the same file take turns instead of losing each other's changes.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The values of `&'static str` fields the emulator keeps (web form kinds and statuses, task
/// statuses), read back from a state file.
const KNOWN: &[&str] = &[
    "BANK_CONNECTION_IMPORT",
    "BANK_CONNECTION_UPDATE",
    "STANDALONE_PAYMENT",
    "PAYMENT_WITH_ACCOUNT_ID",
    "DIRECT_DEBIT_WITH_ACCOUNT_ID",
    "STANDING_ORDER",
    "NOT_YET_OPENED",
    "NOT_YET_STARTED",
    "IN_PROGRESS",
    "WEB_FORM_REQUIRED",
    "COMPLETED",
    "COMPLETED_WITH_ERROR",
    "ABORTED",
    "EXPIRED",
    "INTERRUPTED",
];

/// A `&'static str` field kept in a state file (an alias, so that serde does not take it for
/// a string borrowed from the input).
pub(crate) type Known = &'static str;

/// Reads one of [`KNOWN`] as the `&'static str` the emulator uses.
pub(crate) fn known<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<&'static str, D::Error> {
    let value = <String as serde::Deserialize>::deserialize(deserializer)?;
    KNOWN
        .iter()
        .copied()
        .find(|k| *k == value)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown value {value:?}")))
}

/// A state file, locked for this process while the value lives.
///
/// ```no_run
/// use finapi_access_emulator::{Emulator, EmulatorConfig, StateFile};
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let file = StateFile::lock("emulator-state.json")?; // waits while another process holds it
/// let emulator = Emulator::start_with_state(EmulatorConfig::default(), &file).await?;
/// // ... requests ...
/// emulator.save_state(&file)?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct StateFile {
    path: PathBuf,
    _lock: File,
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_owned();
    name.push(".lock");
    path.with_file_name(name)
}

fn open_lock(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path(path))
}

impl StateFile {
    /// Locks `path` for this process, waiting while another holds it.
    ///
    /// # Errors
    ///
    /// When the directory or the lock file cannot be created or locked.
    pub fn lock(path: impl Into<PathBuf>) -> std::io::Result<Self> {
        let path = path.into();
        let lock = open_lock(&path)?;
        lock.lock()?;
        Ok(Self { path, _lock: lock })
    }

    /// Locks `path` if no other process holds it; `Ok(None)` when one does.
    ///
    /// # Errors
    ///
    /// When the directory or the lock file cannot be created or locked.
    pub fn try_lock(path: impl Into<PathBuf>) -> std::io::Result<Option<Self>> {
        let path = path.into();
        let lock = open_lock(&path)?;
        match lock.try_lock() {
            Ok(()) => Ok(Some(Self { path, _lock: lock })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(None),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The saved state, if the file exists.
    pub(crate) fn read(&self) -> std::io::Result<Option<String>> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Replaces the file with `contents`, atomically: a reader sees the old or the new state,
    /// never a part.
    pub(crate) fn write(&self, contents: &str) -> std::io::Result<()> {
        let mut name = self.path.file_name().unwrap_or_default().to_owned();
        name.push(".tmp");
        let temporary = self.path.with_file_name(name);
        {
            // Readable by its owner only: the state holds the users' passwords and tokens.
            let mut options = OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&temporary)?;
            file.write_all(contents.as_bytes())?;
            file.sync_all()?;
        }
        std::fs::rename(&temporary, &self.path)
    }

    /// Deletes the saved state (the lock stays held).
    ///
    /// # Errors
    ///
    /// When the file exists and cannot be removed.
    pub fn clear(&self) -> std::io::Result<()> {
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}
