//! Loading a plugin library and checking its handshake, with an error for each way it can
//! go wrong that names the file.
#![allow(unsafe_code)] // dlopen runs the library's initialisers; the entry is a C function

use std::path::{Path, PathBuf};

use newsdrop_abi::{
    ND_ABI_MAGIC, ND_ABI_MAJOR, ND_ABI_MINOR, ND_ENTRY_SYMBOL, NdEntryFn, NdPlugin, NdPluginHeader,
    NdStr,
};

/// Why a plugin could not be loaded. Each message names the file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read plugin {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a shared library ({detail})")]
    NotALibrary { path: PathBuf, detail: String },
    #[error("cannot load plugin {path}: {detail}")]
    Open { path: PathBuf, detail: String },
    #[error(
        "{path} has no entry symbol `{ND_ENTRY_SYMBOL}`: not a newsdrop plugin (Rust plugins export it with newsdrop_sdk::export_plugin!)"
    )]
    NoEntry { path: PathBuf },
    #[error("{path} is not a newsdrop plugin: its entry returned {what}")]
    BadTable { path: PathBuf, what: String },
    #[error(
        "{path}: plugin ABI version found {found_major}.{found_minor}, expected {ND_ABI_MAJOR}.x (up to {ND_ABI_MAJOR}.{ND_ABI_MINOR}); rebuild the plugin against this newsdrop's SDK"
    )]
    Version {
        path: PathBuf,
        found_major: u32,
        found_minor: u32,
    },
}

/// What identifies one build of a plugin file: a rebuilt file differs in at least one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    inode: u64,
    size: u64,
    modified: Option<std::time::SystemTime>,
}

impl FileStamp {
    pub fn of(path: &Path) -> Result<FileStamp, LoadError> {
        let meta = std::fs::metadata(path).map_err(|source| LoadError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        Ok(FileStamp {
            inode,
            size: meta.len(),
            modified: meta.modified().ok(),
        })
    }
}

/// What the plugin says about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginInfo {
    pub name: String,
    pub version: String,
    pub abi_major: u32,
    pub abi_minor: u32,
    /// The file it was loaded from.
    pub path: PathBuf,
}

/// A loaded, checked plugin library and its table. Dropping it unloads the library, which
/// only happens once no stage from it is left (each holds an `Arc`).
pub struct Loaded {
    pub info: PluginInfo,
    pub(crate) table: NdPlugin,
    pub(crate) stamp: FileStamp,
    _library: libloading::Library,
}

// SAFETY: the table is a copy of immutable data (function pointers and the plugin's static
// strings), and the library handle is only dropped, never used concurrently.
unsafe impl Send for Loaded {}
// SAFETY: as above; shared access only reads the table and calls the plugin's functions,
// which the ABI requires to be callable from any thread.
unsafe impl Sync for Loaded {}

/// Copies a string from the plugin's table.
///
/// # Safety
/// `s` points at `s.len` readable bytes (static data of the loaded library).
unsafe fn table_str(s: NdStr) -> String {
    if s.ptr.is_null() || s.len == 0 {
        return String::new();
    }
    // SAFETY: per the contract.
    let bytes = unsafe { std::slice::from_raw_parts(s.ptr, s.len.min(256)) };
    String::from_utf8_lossy(bytes).into_owned()
}

fn looks_like_a_library(path: &Path) -> Result<(), LoadError> {
    use std::io::Read;
    let mut magic = [0u8; 4];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut magic))
        .map_err(|source| LoadError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    let ok = if cfg!(target_os = "linux") {
        n == 4 && magic == *b"\x7fELF"
    } else {
        true // let the loader judge on other systems
    };
    if ok {
        Ok(())
    } else {
        Err(LoadError::NotALibrary {
            path: path.to_path_buf(),
            detail: if n < 4 {
                "the file is too short".into()
            } else {
                "no ELF header".into()
            },
        })
    }
}

/// Loads a private copy of `path` and checks its handshake.
pub fn load_library(path: &Path, stamp: FileStamp) -> Result<Loaded, LoadError> {
    looks_like_a_library(path)?;
    let open_error = |detail: String| LoadError::Open {
        path: path.to_path_buf(),
        detail,
    };
    // A private copy: dlopen of a path already loaded returns the old library, so a rebuilt
    // plugin would not be picked up. The copy is unlinked once mapped.
    let copy = tempfile::Builder::new()
        .prefix("newsdrop-plugin-")
        .suffix(".so")
        .tempfile()
        .map_err(|e| open_error(format!("cannot make a private copy: {e}")))?;
    std::fs::copy(path, copy.path())
        .map_err(|e| open_error(format!("cannot make a private copy: {e}")))?;
    // SAFETY: loading runs the library's initialisers; a plugin is trusted code the operator
    // named in the config, and the handshake below is checked before anything else is called.
    let library =
        unsafe { libloading::Library::new(copy.path()) }.map_err(|e| LoadError::NotALibrary {
            path: path.to_path_buf(),
            detail: e
                .to_string()
                .replace(&copy.path().display().to_string(), "file"),
        })?;
    drop(copy);
    let mut symbol = ND_ENTRY_SYMBOL.as_bytes().to_vec();
    symbol.push(0);
    // SAFETY: the symbol, if present, is the entry function of type NdEntryFn (the ABI's one
    // exported name); a library exporting it with another type is not a newsdrop plugin.
    let entry: NdEntryFn = match unsafe { library.get::<NdEntryFn>(&symbol) } {
        Ok(f) => *f,
        Err(_) => {
            return Err(LoadError::NoEntry {
                path: path.to_path_buf(),
            });
        }
    };
    let bad = |what: &str| LoadError::BadTable {
        path: path.to_path_buf(),
        what: what.to_string(),
    };
    // SAFETY: the entry takes nothing and returns a pointer to a static table.
    let table_ptr = unsafe { entry() };
    if table_ptr.is_null() {
        return Err(bad("a null table"));
    }
    // SAFETY: every ABI version starts its table with the header; it is read alone first.
    let header = unsafe { table_ptr.cast::<NdPluginHeader>().read_unaligned() };
    if header.magic != ND_ABI_MAGIC {
        return Err(bad(&format!("a table with magic {:#018x}", header.magic)));
    }
    if header.abi_major != ND_ABI_MAJOR || header.abi_minor > ND_ABI_MINOR {
        return Err(LoadError::Version {
            path: path.to_path_buf(),
            found_major: header.abi_major,
            found_minor: header.abi_minor,
        });
    }
    let needed = std::mem::size_of::<NdPlugin>();
    if (header.size as usize) < needed {
        return Err(bad(&format!(
            "a table of {} bytes, expected at least {needed}",
            header.size
        )));
    }
    // SAFETY: the header says the table is a v1 table of at least `needed` bytes.
    let table = unsafe { table_ptr.read_unaligned() };
    if table.create.is_none() || table.apply.is_none() {
        return Err(bad("a table without create or apply"));
    }
    // SAFETY: the name and version are static strings of the library, alive while it is.
    let (name, version) = unsafe { (table_str(table.name), table_str(table.version)) };
    Ok(Loaded {
        info: PluginInfo {
            name: if name.is_empty() {
                "unnamed".into()
            } else {
                name
            },
            version,
            abi_major: header.abi_major,
            abi_minor: header.abi_minor,
            path: path.to_path_buf(),
        },
        table,
        stamp,
        _library: library,
    })
}
