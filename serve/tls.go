package serve

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// TLSFiles name a certificate (PEM, the chain) and its key (PEM).
type TLSFiles struct {
	CertFile, KeyFile string
}

// certReloader serves the key pair in two files and reloads it when they
// change: cert-manager and Kubernetes secret volumes replace the files in
// place, and a gate that kept serving an expired certificate would fail
// every pipeline. It looks at the files at most once a second, on a
// handshake; a pair that does not load is logged and the last good one
// kept.
type certReloader struct {
	files TLSFiles
	log   *slog.Logger
	now   func() time.Time

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   string // modification times and sizes of the files loaded
	checked time.Time
}

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
	cert, err := tls.LoadX509KeyPair(r.files.CertFile, r.files.KeyFile)
	if err != nil {
		return err
	}
	r.cert, r.stamp = &cert, stamp
	return nil
}

// certificate is tls.Config.GetCertificate.
func (r *certReloader) certificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now := r.now(); now.Sub(r.checked) >= time.Second {
		r.checked = now
		stamp, err := r.stampOf()
		if err == nil && stamp != r.stamp {
			if err = r.load(stamp); err == nil {
				r.log.Info("TLS certificate reloaded", "cert_file", r.files.CertFile)
			}
		}
		if err != nil {
			// Once per change: a pair half-written now is whole at the
			// next look.
			r.log.Warn("TLS certificate not reloaded, serving the last good one", "cert_file", r.files.CertFile, "error", err)
		}
	}
	return r.cert, nil
}

// tlsConfig serves the reloaded pair, TLS 1.2 and later.
func (r *certReloader) tlsConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: r.certificate}
}
