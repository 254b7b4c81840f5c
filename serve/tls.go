package serve

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/slokit/slokit/internal/inputfile"
)

// TLSFiles name a certificate (PEM, the chain) and its key (PEM).
type TLSFiles struct {
	CertFile, KeyFile string
}

// certReloader serves the key pair in two files and reloads it when they
// change: cert-manager and Kubernetes secret volumes replace the files in
// place, and a gate that kept serving an expired certificate would fail
// every pipeline. It looks at the files at most once a second, on a
// handshake, reading them outside its lock, so that other handshakes go on
// with the current pair meanwhile; a pair that does not load (not regular
// files, over MaxCertFileBytes, not a pair) is logged and the last good one
// kept.
type certReloader struct {
	files TLSFiles
	log   *slog.Logger
	now   func() time.Time

	mu       sync.Mutex
	cert     *tls.Certificate
	stamp    string // modification times and sizes of the files loaded
	checked  time.Time
	checking bool // a handshake is looking at the files
}

// MaxCertFileBytes bounds a certificate or key file: a chain of a few
// certificates takes a few KiB.
const MaxCertFileBytes = 1 << 20

// newCertReloader loads the pair, which must load at start.
func newCertReloader(files TLSFiles, log *slog.Logger) (*certReloader, error) {
	r := &certReloader{files: files, log: log, now: time.Now}
	stamp, err := r.stampOf()
	if err == nil {
		err = r.load(stamp)
	}
	if err != nil {
		return nil, fmt.Errorf("TLS: %w", err)
	}
	return r, nil
}

func (r *certReloader) stampOf() (string, error) {
	var stamp string
	for _, f := range []string{r.files.CertFile, r.files.KeyFile} {
		st, err := os.Stat(f)
		if err != nil {
			return "", err
		}
		stamp += fmt.Sprintf("%d:%d;", st.ModTime().UnixNano(), st.Size())
	}
	return stamp, nil
}

func (r *certReloader) load(stamp string) error {
	cert, err := r.read()
	if err != nil {
		return err
	}
	r.cert, r.stamp = cert, stamp
	return nil
}

// read reads and parses the pair: regular files of bounded size.
func (r *certReloader) read() (*tls.Certificate, error) {
	certPEM, err := inputfile.Read(r.files.CertFile, MaxCertFileBytes)
	if err != nil {
		return nil, err
	}
	keyPEM, err := inputfile.Read(r.files.KeyFile, MaxCertFileBytes)
	if err != nil {
		return nil, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	return &cert, nil
}

// certificate is tls.Config.GetCertificate.
func (r *certReloader) certificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	now := r.now()
	if r.checking || now.Sub(r.checked) < time.Second {
		defer r.mu.Unlock()
		return r.cert, nil
	}
	r.checked, r.checking = now, true
	current := r.stamp
	r.mu.Unlock()

	var cert *tls.Certificate
	stamp, err := r.stampOf()
	if err == nil && stamp != current {
		if cert, err = r.read(); err == nil {
			r.log.Info("TLS certificate reloaded", "cert_file", r.files.CertFile)
		}
	}
	if err != nil {
		// Once per change: a pair half-written now is whole at the
		// next look.
		r.log.Warn("TLS certificate not reloaded, serving the last good one", "cert_file", r.files.CertFile, "error", err)
	}

	r.mu.Lock()
	defer r.mu.Unlock()
	r.checking = false
	if cert != nil {
		r.cert, r.stamp = cert, stamp
	}
	return r.cert, nil
}

// tlsConfig serves the reloaded pair, TLS 1.2 and later.
func (r *certReloader) tlsConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: r.certificate}
}
