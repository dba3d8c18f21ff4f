//! The processes xtask starts end when it ends, however it ends (see [`ends_with_xtask`]):
//! the collector it leaves running for the demo and the tests, and every command it waits for.

use std::process::Command;

/// Has the process `cmd` starts sent SIGTERM when xtask ends, however it ends: killed
/// (`kill`, `pkill -f "xtask demo"`, a CI timeout) as well as by Ctrl-C, which reaches the
/// whole process group anyway. Without it, a demo stopped that way left its collector running,
/// holding `target/demo/receipts.db` open, and a killed test run its node test runner, whose
/// Playwright kept Chromium open. SIGTERM lets each end cleanly: the collector closes its
/// database, node's test runner ends its test files, and Playwright closes its browser.
///
/// Linux's "parent death signal" is tied to the thread that starts the child: call this from
/// a thread that lives as long as the child should (xtask's main thread, which starts every
/// child xtask leaves running, and whichever thread `run` waits on).
pub fn ends_with_xtask(cmd: &mut Command) -> &mut Command {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let xtask = std::process::id();
        // SAFETY: between fork and exec the closure makes only async-signal-safe system
        // calls (prctl, getppid, kill) and allocates nothing.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // xtask ended before the prctl: no signal will come, so end now.
                if libc::getppid() as u32 != xtask {
                    libc::kill(libc::getpid(), libc::SIGTERM);
                }
                Ok(())
            });
        }
    }
    cmd
}

/// Whether the process `pid` has ended. One whose parent is gone may stay a zombie until the
/// container's first process reaps it, which it may never do: that counts as ended.
#[cfg(all(test, target_os = "linux"))]
pub fn has_ended(pid: u32) -> bool {
    // `/proc/PID/stat`: "PID (name) S ...", S the state, 'Z' for a zombie.
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return true };
    stat.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next()) == Some('Z')
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    use std::time::Duration;

    use super::*;

    /// Set in the helper process the test starts (this test binary again).
    const HELPER: &str = "XTASK_TEST_ENDS_WITH_XTASK_HELPER";

    /// A shell that says its pid, then becomes a long sleep.
    fn long_child() -> Command {
        let mut sh = Command::new("sh");
        sh.args(["-c", "echo child=$$; exec sleep 120"]);
        sh
    }

    #[test]
    fn the_children_xtask_starts_end_when_xtask_is_killed() {
        if std::env::var_os(HELPER).is_some() {
            // The helper starts two long children the two ways xtask starts them: one left
            // running, as the collector is, and one waited for by `run`, as every other
            // command is. Each says its pid; the test kills the helper while `run` waits.
            let mut running = ends_with_xtask(&mut long_child()).spawn().expect("start the first child");
            let _ = crate::setup::run(&mut long_child());
            let _ = running.wait();
            return;
        }
        let exe = std::env::current_exe().expect("this test binary");
        let mut helper = Command::new(exe)
            .args(["--exact", "child::tests::the_children_xtask_starts_end_when_xtask_is_killed", "--nocapture", "--test-threads=1"])
            .env(HELPER, "1")
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the helper");
        let stdout = helper.stdout.take().expect("the helper's stdout");
        let children: Vec<u32> = BufReader::new(stdout)
            .lines()
            .map_while(std::result::Result::ok)
            // (The first after the harness's "test … ... " on the same line.)
            .filter_map(|line| line.split_once("child=").and_then(|(_, pid)| pid.trim().parse().ok()))
            .take(2)
            .collect();
        assert_eq!(children.len(), 2, "the helper's two children say their pids");
        for &child in &children {
            assert!(!has_ended(child), "the child {child} runs while its parent does");
        }

        // SIGKILL: the parent gets no chance to clean up, as with a killed `cargo xtask demo`.
        helper.kill().expect("kill the helper");
        helper.wait().expect("reap the helper");
        for _ in 0..100 {
            if children.iter().all(|&c| has_ended(c)) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let running: Vec<u32> = children.iter().copied().filter(|&c| !has_ended(c)).collect();
        for child in &running {
            let _ = Command::new("kill").arg(child.to_string()).status();
        }
        assert!(running.is_empty(), "the children {running:?} (of {children:?}) still run 5 s after their parent was killed");
    }
}
