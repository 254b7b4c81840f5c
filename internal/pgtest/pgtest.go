// Package pgtest starts a real PostgreSQL server for tests: Debian's
// postgresql package, initdb in a temporary folder, the server on a free
// port of 127.0.0.1, stopped by PID when the test ends.
//
// initdb refuses to run as root, and CI runs as root: there the server runs
// as the package's postgres user, with its folder owned by that user.
package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Server is a running PostgreSQL server.
type Server struct {
	// URL reaches the database slokit as the user slokit, with a
	// password: postgres://slokit:PASSWORD@127.0.0.1:PORT/slokit.
	URL      string
	Password string
	Port     int
	dir      string
	bin      string
	cred     *syscall.Credential
	cmd      *exec.Cmd
	log      string
}

// binDir is the newest installed PostgreSQL's bin folder, or "" when
// there is none.
func binDir() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi < vj
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "pg_ctl")); err == nil {
			return dirs[i]
		}
	}
	return ""
}

// Start starts a server, skipping the test when PostgreSQL is not
// installed outside CI and failing it in CI (make deps installs it).
func Start(t testing.TB) *Server {
	t.Helper()
	bin := binDir()
	if bin == "" {
		msg := "PostgreSQL not found: install Debian's postgresql package (make deps does)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	s := &Server{bin: bin, Password: "pgtest-password-0123456789"}
	dir, err := os.MkdirTemp("", "slokit-pg-")
	if err != nil {
		t.Fatal(err)
	}
	s.dir = dir
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, PostgreSQL needs its postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	pwfile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwfile, []byte(s.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.chown(t, pwfile)
	s.run(t, "initdb", "-D", s.data(), "-U", "slokit", "--pwfile", pwfile, "-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale", "C")
	s.Port = freePort(t)
	s.log = filepath.Join(dir, "server.log")
	s.StartAgain(t)
	t.Cleanup(func() { s.Stop(t) })
	// The database slokit, owned by the user slokit.
	s.run(t, "createdb", "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "-U", "slokit", "slokit")
	s.URL = fmt.Sprintf("postgres://slokit:%s@127.0.0.1:%d/slokit?sslmode=disable", s.Password, s.Port)
	return s
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

func (s *Server) chown(t testing.TB, path string) {
	if s.cred == nil {
		return
	}
	if err := os.Chown(path, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
		t.Fatal(err)
	}
}

// Command runs one of PostgreSQL's programs as the server's user.
func (s *Server) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+s.Password)
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	cmd.Dir = s.dir
	return cmd
}

func (s *Server) run(t testing.TB, name string, args ...string) {
	t.Helper()
	if out, err := s.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

// StartAgain starts the server (after Stop) on the same port and data.
func (s *Server) StartAgain(t testing.TB) {
	t.Helper()
	log, err := os.OpenFile(s.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close() // the server has its own copy
	s.chown(t, s.log)
	s.cmd = s.Command("postgres", "-D", s.data(), "-p", strconv.Itoa(s.Port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
		"-c", "fsync=off", "-c", "max_connections=200", "-c", "log_min_messages=warning")
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := s.Command("pg_isready", "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "-t", "1").CombinedOutput()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			logged, _ := os.ReadFile(s.log)
			t.Fatalf("PostgreSQL did not start: %s\n%s", out, logged)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop stops the server at once (SIGINT: fast shutdown), waiting for it.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.cmd = nil
}

// Exec runs SQL through psql as the user slokit, failing the test on an
// error, and returns what psql printed (unaligned, tuples only).
func (s *Server) Exec(t testing.TB, sql string) string {
	t.Helper()
	out, err := s.Command("psql", "-h", "127.0.0.1", "-p", strconv.Itoa(s.Port), "-U", "slokit", "-d", "slokit",
		"-v", "ON_ERROR_STOP=1", "-X", "-q", "-A", "-t", "-c", sql).CombinedOutput()
	if err != nil {
		t.Fatalf("psql %q: %v\n%s", sql, err, out)
	}
	return string(out)
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// PortString is the server's port, for URLs and command lines.
func (s *Server) PortString() string { return strconv.Itoa(s.Port) }
