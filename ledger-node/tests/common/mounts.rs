//! File systems for the fault tests (power cut, full disk): a loop-mounted
//! ext4 whose writes can be cut like a power failure, a size-limited tmpfs,
//! and the loud skip when the machine cannot mount them (no root, no loop
//! devices).

use super::TestResult;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub fn run(program: &str, args: &[&str]) -> TestResult<String> {
    let out = Command::new(program).args(args).output()?;
    if !out.status.success() {
        return Err(format!(
            "`{program} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// An ext4 file system on a loop device, mounted with `errors=remount-ro`.
pub struct LoopFs {
    image: PathBuf,
    device: String,
    pub mount: PathBuf,
    mounted: bool,
}

impl LoopFs {
    pub fn create(dir: &Path, size_mib: u64) -> TestResult<LoopFs> {
        let image = dir.join("ext4.img");
        std::fs::File::create(&image)?.set_len(size_mib << 20)?;
        let image_arg = image.display().to_string();
        run("mkfs.ext4", &["-q", "-F", &image_arg])?;
        let device = run("losetup", &["-f", "--show", &image_arg])?;
        let mount = dir.join("mnt");
        std::fs::create_dir_all(&mount)?;
        let mut fs = LoopFs {
            image,
            device,
            mount,
            mounted: false,
        };
        fs.mount()?;
        Ok(fs)
    }

    pub fn mount(&mut self) -> TestResult {
        let mount_arg = self.mount.display().to_string();
        run("mount", &["-o", "errors=remount-ro", &self.device, &mount_arg])?;
        self.mounted = true;
        Ok(())
    }

    pub fn unmount(&mut self) -> TestResult {
        let mount_arg = self.mount.display().to_string();
        run("umount", &[&mount_arg])?;
        self.mounted = false;
        Ok(())
    }

    /// `/sys/fs/ext4/loopN/trigger_fs_error`.
    pub fn trigger(&self) -> TestResult<PathBuf> {
        let name = Path::new(&self.device)
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or("loop device without a name")?;
        Ok(Path::new("/sys/fs/ext4").join(name).join("trigger_fs_error"))
    }

    /// The power cut: ext4 stops writing at once (journal aborted, mounted
    /// read-only); what it had not written is gone after the unmount.
    pub fn cut(&self) -> TestResult {
        std::fs::write(self.trigger()?, "1")?;
        Ok(())
    }
}

impl Drop for LoopFs {
    fn drop(&mut self) {
        if self.mounted {
            let _ = Command::new("umount").arg("-l").arg(&self.mount).status();
        }
        let _ = Command::new("losetup").args(["-d", &self.device]).status();
        let _ = std::fs::remove_file(&self.image);
    }
}

/// Why this machine cannot run the loop-ext4 tests, if it cannot.
pub fn loop_ext4_unavailable(dir: &Path) -> Option<String> {
    if let Some(reason) = mount_unavailable() {
        return Some(reason);
    }
    // Try the whole set-up once: a container may lack loop devices or ext4.
    match LoopFs::create(dir, 64) {
        Ok(fs) => match fs.trigger() {
            Ok(path) if path.exists() => None,
            Ok(path) => Some(format!("the kernel has no {} (ext4 fault injection)", path.display())),
            Err(e) => Some(e.to_string()),
        },
        Err(e) => Some(format!("cannot mount a loop ext4 here: {e}")),
    }
}

/// Why this machine cannot mount file systems for a test, if it cannot.
pub fn mount_unavailable() -> Option<String> {
    // mount and losetup need root.
    let uid = run("id", &["-u"]).unwrap_or_default();
    if uid != "0" {
        return Some(format!("needs root for losetup and mount (running as uid {uid:?})"));
    }
    for tool in ["mkfs.ext4", "losetup", "mount", "umount"] {
        if Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .stdout(Stdio::null())
            .status()
            .map(|s| !s.success())
            .unwrap_or(true)
        {
            return Some(format!("`{tool}` is not installed"));
        }
    }
    None
}

fn marker(test: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../target/SKIPPED-{test}.txt"))
}

/// Pass a test that this machine cannot run, loudly: the reason goes to
/// stderr and to `target/SKIPPED-<test>.txt`, which `./run-tests` prints at
/// its end. `LEDGER_REQUIRE_FAULT_TESTS=1` (CI on a machine known to have
/// root and loop devices) makes it a failure instead.
pub fn skip(test: &str, reason: &str) -> TestResult {
    let message = format!("SKIPPED {test}: {reason}");
    eprintln!("\n{}\n{message}\n{}\n", "!".repeat(72), "!".repeat(72));
    let _ = std::fs::write(marker(test), format!("{message}\n"));
    if std::env::var("LEDGER_REQUIRE_FAULT_TESTS").as_deref() == Ok("1") {
        return Err(format!("{message} (LEDGER_REQUIRE_FAULT_TESTS=1)").into());
    }
    Ok(())
}

/// The test ran: remove an old skip marker.
pub fn not_skipped(test: &str) {
    let _ = std::fs::remove_file(marker(test));
}

/// A size-limited tmpfs (a small disk that fills up).
pub struct Tmpfs {
    pub mount: PathBuf,
}

impl Tmpfs {
    pub fn create(dir: &Path, size_mib: u64) -> TestResult<Tmpfs> {
        let mount = dir.join("tmpfs");
        std::fs::create_dir_all(&mount)?;
        let mount_arg = mount.display().to_string();
        run(
            "mount",
            &["-t", "tmpfs", "-o", &format!("size={size_mib}m"), "tmpfs", &mount_arg],
        )?;
        Ok(Tmpfs { mount })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.mount).status();
    }
}
