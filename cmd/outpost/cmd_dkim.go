package main

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/outpost-mail/outpost/internal/store"
	"github.com/outpost-mail/outpost/smtpd"
)

func cmdDKIM(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return sub("dkim", map[string]command{
		"add":  {"generate (or import with --key) a signing key for a domain; prints the DNS TXT record", dkimAdd},
		"list": {"list signing keys and their DNS records", dkimList},
	}, ctx, args, stdout, stderr)
}

func dkimAdd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var domain, selector, alg, keyFile string
	return withDB(ctx, "dkim add", "Add a DKIM signing key for a sender domain. Mail whose From domain has a key is signed on the way out; the running server picks new keys up within a minute.", args, stderr,
		func(fs *flagSetT) {
			fs.StringVar(&domain, "domain", "", "sender domain (required)")
			fs.StringVar(&selector, "selector", "", "DKIM selector (default: outpost<yyyymm>)")
			fs.StringVar(&alg, "algorithm", "ed25519", "ed25519 or rsa (RSA-2048); ignored with --key")
			fs.StringVar(&keyFile, "key", "", "import this PEM private key (PKCS#8, PKCS#1 RSA) instead of generating one")
		},
		func(db *store.DB, _ []string) int {
			if domain == "" {
				return fail(stderr, "dkim add: --domain is required")
			}
			if selector == "" {
				selector = "outpost" + time.Now().UTC().Format("200601")
			}
			var pemText string
			if keyFile != "" {
				b, err := os.ReadFile(keyFile)
				if err != nil {
					return fail(stderr, "%v", err)
				}
				pemText = string(b)
			} else {
				var err error
				if pemText, _, err = smtpd.GenerateDKIMKey(alg); err != nil {
					return fail(stderr, "%v", err)
				}
			}
			signer, err := smtpd.ParseDKIMKey(pemText)
			if err != nil {
				return fail(stderr, "dkim add: %v", err)
			}
			txt, algName, err := dkimRecord(signer.Public())
			if err != nil {
				return fail(stderr, "dkim add: %v", err)
			}
			k := store.DKIMKey{Domain: domain, Selector: selector, Algorithm: algName, PrivateKeyPEM: pemText}
			if err := db.PutDKIMKey(ctx, k, cliActor()); err != nil {
				return fail(stderr, "%v", err)
			}
			fmt.Fprintf(stdout, "Publish this TXT record, then mail from %s is signed (d=%s s=%s):\n\n", domain, strings.ToLower(domain), selector)
			fmt.Fprintf(stdout, "%s._domainkey.%s. IN TXT \"%s\"\n", selector, strings.ToLower(strings.TrimSuffix(domain, ".")), txt)
			return 0
		})
}

func dkimList(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return withDB(ctx, "dkim list", "List DKIM signing keys with their DNS records.", args, stderr, nil, func(db *store.DB, _ []string) int {
		keys, err := db.DKIMKeys(ctx)
		if err != nil {
			return fail(stderr, "%v", err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "DOMAIN\tSELECTOR\tALGORITHM\tCREATED\tDNS RECORD")
		for _, k := range keys {
			rec := "(unreadable key)"
			if s, err := smtpd.ParseDKIMKey(k.PrivateKeyPEM); err == nil {
				if txt, _, err := dkimRecord(s.Public()); err == nil {
					rec = fmt.Sprintf("%s._domainkey.%s TXT \"%s\"", k.Selector, k.Domain, txt)
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.Domain, k.Selector, k.Algorithm, k.CreatedAt.Format(time.RFC3339), rec)
		}
		tw.Flush()
		return 0
	})
}

// dkimRecord is the DNS TXT value for a public key (RFC 6376 §3.6.1; Ed25519
// per RFC 8463: the raw 32-byte key, not SubjectPublicKeyInfo).
func dkimRecord(pub crypto.PublicKey) (txt, alg string, err error) {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k), "ed25519", nil
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(k)
		if err != nil {
			return "", "", err
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), "rsa", nil
	}
	return "", "", fmt.Errorf("unsupported DKIM key type %T (want RSA or Ed25519)", pub)
}
