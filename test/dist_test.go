package test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"debug/elf"
	"debug/macho"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// make dist writes an archive per platform and SHA256SUMS; building twice
// gives the same bytes; each archive holds a static binary for its
// platform, LICENSE and README.md, owned by root and dated by the commit.
//
// The test builds two of the four platforms, one per OS and one per
// architecture (linux/amd64 shares its compiled packages with the image):
// each cold cross-compile of every dependency costs minutes on CI's two
// cores, and the other two differ only in GOOS and GOARCH, which
// TestDistBuildsEveryPlatform checks the recipe passes.
func TestDistIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles two binaries, twice")
	}
	build := func() string {
		dir := t.TempDir()
		cmd := exec.Command("make", "-C", "..", "dist", "DIST_DIR="+dir, "VERSION=v0.0.0-test", "DIST_PLATFORMS=linux/amd64 darwin/arm64")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make dist: %v\n%s", err, out)
		}
		return dir
	}
	first, second := build(), build()
	sums, err := os.ReadFile(filepath.Join(first, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := os.ReadFile(filepath.Join(second, "SHA256SUMS"))
	if err != nil || !bytes.Equal(sums, again) {
		t.Fatalf("two builds differ:\n%s\n%s", sums, again)
	}
	if n := strings.Count(string(sums), ".tar.gz\n"); n != 2 {
		t.Fatalf("%d archives:\n%s", n, sums)
	}
	check := exec.Command("sha256sum", "-c", "SHA256SUMS")
	check.Dir = first
	if out, err := check.CombinedOutput(); err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
	for _, platform := range []struct{ os, arch string }{{"linux", "amd64"}, {"darwin", "arm64"}} {
		name := "slokit-v0.0.0-test-" + platform.os + "-" + platform.arch
		files := readTarGz(t, filepath.Join(first, name+".tar.gz"))
		for _, f := range []string{"slokit", "LICENSE", "README.md"} {
			if _, ok := files[name+"/"+f]; !ok {
				t.Errorf("%s: no %s", name, f)
			}
		}
		bin := files[name+"/slokit"]
		switch platform.os {
		case "linux":
			f, err := elf.NewFile(bytes.NewReader(bin))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[platform.arch]
			interp := false
			for _, p := range f.Progs {
				interp = interp || p.Type == elf.PT_INTERP
			}
			if f.Machine != want || interp {
				t.Errorf("%s: machine %v, dynamically linked %v", name, f.Machine, interp)
			}
		case "darwin":
			f, err := macho.NewFile(bytes.NewReader(bin))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			want := map[string]macho.Cpu{"amd64": macho.CpuAmd64, "arm64": macho.CpuArm64}[platform.arch]
			if f.Cpu != want {
				t.Errorf("%s: cpu %v", name, f.Cpu)
			}
		}
	}
	// The linux/amd64 binary runs here and knows its version.
	bin := filepath.Join(t.TempDir(), "slokit")
	if err := os.WriteFile(bin, readTarGz(t, filepath.Join(first, "slokit-v0.0.0-test-linux-amd64.tar.gz"))["slokit-v0.0.0-test-linux-amd64/slokit"], 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "version").CombinedOutput(); err != nil || !strings.Contains(string(out), "v0.0.0-test") {
		t.Errorf("slokit version: %v %s", err, out)
	}
}

// make dist, by default, builds linux and darwin on amd64 and arm64: the
// recipe (printed by make -n, not run) sets each GOOS and GOARCH.
func TestDistBuildsEveryPlatform(t *testing.T) {
	out, err := exec.Command("make", "-C", "..", "-n", "dist", "DIST_DIR="+t.TempDir()).CombinedOutput()
	if err != nil {
		t.Fatalf("make -n dist: %v\n%s", err, out)
	}
	for _, p := range []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64"} {
		if !strings.Contains(string(out), p) {
			t.Errorf("make dist does not build %s:\n%s", p, out)
		}
	}
	if !strings.Contains(string(out), "GOOS=$os GOARCH=$arch") {
		t.Errorf("make dist does not cross-compile per platform:\n%s", out)
	}
}

// readTarGz returns an archive's regular files by name, checking that
// every entry is owned by root and dated alike.
func readTarGz(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	files := map[string][]byte{}
	var date int64
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || (date != 0 && h.ModTime.Unix() != date) {
			t.Errorf("%s: %s owned by %d:%d, dated %s", path, h.Name, h.Uid, h.Gid, h.ModTime)
		}
		date = h.ModTime.Unix()
		if h.Typeflag == tar.TypeReg {
			if files[h.Name], err = io.ReadAll(tr); err != nil {
				t.Fatal(err)
			}
		}
	}
}
