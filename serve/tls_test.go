package serve_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/slokit/slokit/internal/fixture"
	"github.com/slokit/slokit/serve"
	"github.com/slokit/slokit/slo"
)

// writeCert writes a self-signed certificate for 127.0.0.1 with the given
// serial number, and its key, and returns the certificate.
func writeCert(t *testing.T, certFile, keyFile string, serial int64) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: "slokit test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	// As cert-manager and a secret volume do: new files put in place.
	for file, block := range map[string]*pem.Block{certFile: {Type: "CERTIFICATE", Bytes: der}, keyFile: {Type: "PRIVATE KEY", Bytes: keyDER}} {
		tmp := file + ".new"
		if err := os.WriteFile(tmp, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, file); err != nil {
			t.Fatal(err)
		}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// With TLS files the service answers HTTPS, and a rotated certificate is
// served to new connections within seconds, without a restart; a broken
// pair is not taken, the last good one is served on.
func TestTLSCertificateIsReloaded(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	first := writeCert(t, certFile, keyFile, 1)
	svcs, _ := slo.Parse([]byte(spec))
	var logged fixture.SyncBuffer
	base, stop, _ := startRun(t, serve.RunOptions{Options: serve.Options{Services: svcs}, TLS: &serve.TLSFiles{CertFile: certFile, KeyFile: keyFile},
		Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	base = strings.Replace(base, "http://", "https://", 1)
	// The log names the address as clients reach it.
	eventually(t, 5*time.Second, func() bool { return strings.Contains(logged.String(), "listen="+base) })

	// served returns the serial number of the certificate a new connection
	// is given (verification is the pool's: a rotated certificate is
	// checked against its own).
	served := func(trust *x509.Certificate) (int64, error) {
		pool := x509.NewCertPool()
		pool.AddCert(trust)
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}}
		resp, err := client.Get(base + "/healthz")
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("status %d", resp.StatusCode)
		}
		return resp.TLS.PeerCertificates[0].SerialNumber.Int64(), nil
	}
	if n, err := served(first); err != nil || n != 1 {
		t.Fatalf("first certificate: %d %v", n, err)
	}
	if resp, err := http.Get(strings.Replace(base, "https://", "http://", 1) + "/healthz"); err == nil && resp.StatusCode == http.StatusOK {
		t.Error("plain HTTP is answered on the TLS port")
	}

	second := writeCert(t, certFile, keyFile, 2)
	eventually(t, 10*time.Second, func() bool {
		n, err := served(second)
		return err == nil && n == 2
	})

	// A broken rotation: the last good certificate goes on being served.
	if err := os.WriteFile(certFile, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	for range 3 {
		if n, err := served(second); err != nil || n != 2 {
			t.Fatalf("after a broken rotation: %d %v", n, err)
		}
	}
	// A certificate swapped for a FIFO: no handshake waits on it (the
	// files are looked at outside the lock, and only regular files read).
	if err := os.Remove(certFile); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(certFile, 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	for range 3 {
		if n, err := served(second); err != nil || n != 2 {
			t.Fatalf("with a FIFO for a certificate: %d %v", n, err)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// Certificate and key files are regular files of at most 1 MiB: a FIFO,
// /dev/zero or a huge file stops the start with a clear error, rather than
// a start that waits for good or takes all memory (--tls-cert-file
// /dev/zero took 23.5 GB before it was killed).
func TestTLSFilesAreRegularAndBounded(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	writeCert(t, certFile, keyFile, 1)
	fifo, huge := filepath.Join(dir, "fifo.crt"), filepath.Join(dir, "huge.crt")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(huge, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 500<<20); err != nil { // sparse: no disk
		t.Fatal(err)
	}
	svcs, _ := slo.Parse([]byte(spec))
	for _, tc := range []struct{ cert, key, want string }{
		{fifo, keyFile, "named pipe"},
		{certFile, fifo, "named pipe"},
		{huge, keyFile, "larger than"},
	} {
		_, _, done := startRun(t, serve.RunOptions{Options: serve.Options{Services: svcs}, TLS: &serve.TLSFiles{CertFile: tc.cert, KeyFile: tc.key}})
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s, %s: got %v, want %q", tc.cert, tc.key, err, tc.want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s, %s: Run neither started nor refused", tc.cert, tc.key)
		}
	}
}

func TestTLSFilesMustLoadAtStart(t *testing.T) {
	dir := t.TempDir()
	svcs, _ := slo.Parse([]byte(spec))
	_, _, done := startRun(t, serve.RunOptions{Options: serve.Options{Services: svcs},
		TLS: &serve.TLSFiles{CertFile: filepath.Join(dir, "missing.crt"), KeyFile: filepath.Join(dir, "missing.key")}})
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "TLS") || !strings.Contains(err.Error(), "missing.crt") {
			t.Errorf("got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run started without its certificate")
	}
}
