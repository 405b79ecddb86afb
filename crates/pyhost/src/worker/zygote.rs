//! The zygote (`rmgr worker --zygote`): one interpreter that imports what every module
//! needs (`mgr_module` and the standard library it pulls in), freezes that heap, and then
//! forks a worker per request. Forked workers share those pages copy-on-write, which is
//! most of a worker's memory, and start in milliseconds instead of re-importing.
//!
//! Control protocol on fd 3 (a socketpair with the core), one line per message:
//! core → zygote: `fork <module>` with the worker's socket attached (SCM_RIGHTS);
//! zygote → core: `pid <n>` after each fork, `exit <pid> <wait status>` when a child ends.
//! The loop is Python (socket.recv_fds, os.fork, os.waitpid: no unsafe code needed); a
//! forked child returns to Rust with the worker socket on fd 3 and runs [`serve_on`].

use super::run::{init_python, serve_on};
use pyo3::prelude::*;
use pyo3::types::PyModule;
use std::ffi::CString;

const ZYGOTE_PY: &str = r#"
import gc, os, select, socket, sys

def preload(module_path, python_path):
    for i, d in enumerate(p for p in module_path.split(':') if p):
        sys.path.insert(i, d)
    if python_path:
        sys.path.append(python_path)
    sys.argv = ['ceph-mgr']
    # What Debian's modules import most (mgr_module first); a missing one is skipped.
    for name in ('mgr_module', 'ceph_argparse', 'json', 'threading', 'logging', 'errno',
                 'time', 'datetime', 'collections', 'functools', 'typing', 'enum', 're',
                 'traceback', 'pickle', 'socket', 'uuid', 'base64', 'hashlib', 'copy',
                 'contextlib', 'prettytable', 'yaml', 'mgr_util', 'rados', 'rbd', 'cephfs',
                 'ceph.utils', 'ceph.deployment.service_spec', 'ceph.deployment.hostspec',
                 'ceph.deployment.drive_group', 'orchestrator'):
        try:
            __import__(name)
        except Exception as e:
            print(f'zygote: cannot preload {name}: {e}', file=sys.stderr)
    gc.collect()
    gc.freeze()

def serve():
    ctl = socket.socket(fileno=3)
    ctl.setblocking(True)
    # Each child's pidfd becomes readable when it exits, so the loop sleeps until a
    # request or an exit (no polling); without pidfds (Linux < 5.3) it polls waitpid.
    children = {}
    pidfds = hasattr(os, 'pidfd_open')
    while True:
        if not pidfds:
            while True:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    break
                ctl.sendall(f'exit {pid} {status}\n'.encode())
        r, _, _ = select.select([ctl, *children], [], [], None if pidfds else 0.2)
        for fd in [f for f in r if f in children]:
            pid = children.pop(fd)
            os.close(fd)
            try:
                _, status = os.waitpid(pid, 0)
            except ChildProcessError:
                continue
            ctl.sendall(f'exit {pid} {status}\n'.encode())
        if ctl not in r:
            continue
        msg, fds, _, _ = socket.recv_fds(ctl, 4096, 4)
        if not msg:
            return None
        for fd in fds[1:]:
            os.close(fd)
        line = msg.decode(errors='replace').strip()
        if not line.startswith('fork ') or not fds:
            for fd in fds:
                os.close(fd)
            continue
        pid = os.fork()
        if pid == 0:
            # The child: hand fd 3 over to the worker socket and leave the loop.
            for fd in children:
                os.close(fd)
            ctl.detach()
            os.dup2(fds[0], 3)
            os.close(fds[0])
            return line[5:]
        os.close(fds[0])
        if pidfds:
            try:
                children[os.pidfd_open(pid)] = pid
            except OSError:
                pidfds = False  # fall back to polling waitpid
        ctl.sendall(f'pid {pid}\n'.encode())
"#;

/// `rmgr worker --zygote`: returns the exit code (of the zygote, or of a forked worker).
pub fn zygote_main() -> i32 {
    init_python();
    let module_path = std::env::var("RMGR_MODULE_PATH").unwrap_or_default();
    let python_path = std::env::var("RMGR_PYTHON_PATH").unwrap_or_default();
    let child = Python::with_gil(|py| -> PyResult<Option<String>> {
        let code = CString::new(ZYGOTE_PY).unwrap_or_default();
        let m = PyModule::from_code(py, &code, c"rmgr_zygote.py", c"rmgr_zygote")?;
        m.getattr("preload")?.call1((module_path, python_path))?;
        m.getattr("serve")?.call0()?.extract::<Option<String>>()
    });
    match child {
        Ok(Some(_module)) => match super::ffi::inherited_socket(crate::protocol::WORKER_FD) {
            Ok(sock) => serve_on(sock),
            Err(e) => {
                eprintln!("rmgr worker (forked): {e}");
                2
            }
        },
        Ok(None) => 0,
        Err(e) => {
            Python::with_gil(|py| e.print(py));
            1
        }
    }
}
