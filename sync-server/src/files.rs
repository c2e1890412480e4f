//! Private files: the server's database folder and files, its key files and
//! the feed files it writes hold personal data or secrets, so they are made
//! `0700` (folders) and `0600` (files) whatever the umask, and an existing
//! one that other users may read is refused with the command that fixes it.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};

/// Creates `dir` (and its missing parents) as `0700`; an existing folder is
/// left as it is (see [`check_private`]).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    b.mode(0o700);
    b.create(dir)
}

/// Creates a new file readable and writable by its owner only (`0600`);
/// fails if it exists.
pub fn create_private_file(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    o.mode(0o600);
    o.open(path)
}

/// Creates or truncates a file as `0600` (an existing file is set to
/// `0600` first).
pub fn create_or_truncate_private(path: &Path) -> io::Result<File> {
    if path.exists() {
        set_private(path)?;
    }
    let mut o = OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    o.mode(0o600);
    o.open(path)
}

/// Opens a file for appending, made `0600` if new.
pub fn append_private(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.append(true).create(true);
    #[cfg(unix)]
    o.mode(0o600);
    o.open(path)
}

/// Sets an existing file to `0600`.
pub fn set_private(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Refuses a folder or file that users other than its owner may read,
/// write or enter (any of the `0o077` bits), with the command that fixes
/// it. `what` names it for the message.
pub fn check_private(path: &Path, what: &str) -> Result<(), String> {
    #[cfg(unix)]
    {
        let meta = std::fs::metadata(path).map_err(|e| {
            format!(
                "cannot read the permissions of {what} {}: {e}",
                path.display()
            )
        })?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            let fix = if meta.is_dir() { "700" } else { "600" };
            return Err(format!(
                "{what} {} is open to other users (mode {mode:o}); it holds personal data or keys: \
                 run `chmod {fix} {}` (and check who could have read it)",
                path.display(),
                path.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = (path, what);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn private_files_and_folders_whatever_the_umask() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("a/b");
        create_private_dir(&d).unwrap();
        assert_eq!(
            std::fs::metadata(&d).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let f = d.join("x");
        create_private_file(&f).unwrap();
        assert_eq!(
            std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o600
        );
        check_private(&f, "the file").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = check_private(&f, "the file").unwrap_err();
        assert!(e.contains("chmod 600"), "{e}");
        create_or_truncate_private(&f).unwrap();
        check_private(&f, "the file").unwrap();
    }
}
