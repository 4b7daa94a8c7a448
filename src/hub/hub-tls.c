/*
 * TLS on the TCP listener (--cert, --key): the certificate and key are
 * checked here, before the store is replayed or anything listens, so a hub
 * given a bad pair stops at once with the reason instead of half starting
 * (libwebsockets alone would only say so in the log).
 *
 * What is checked: both are given, and a TCP listener to use them; the
 * certificate file holds a PEM certificate that has not expired; the key
 * file is not open to others (group access is the owner's choice, as with
 * PostgreSQL's), holds an unencrypted PEM private key (nothing may prompt
 * for a passphrase on a hub's terminal), and the key is the certificate's.
 * The listener then speaks TLS 1.2 or later only; the Unix socket, local,
 * stays plaintext.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "hub.h"

/* A key must not ask for a passphrase: refuse every prompt. */
static int
hub_tls_nopass(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return 0;
}

/* OpenSSL's latest error, for a message (a static string). */
static const char *
hub_tls_error(void)
{
	static char	text[256];
	unsigned long	e = ERR_peek_last_error();

	if (e == 0)
		return "no detail";
	ERR_error_string_n(e, text, sizeof text);
	ERR_clear_error();
	return text;
}

/* A time as OpenSSL prints it; the caller frees. */
static char *
hub_tls_time(const ASN1_TIME *t)
{
	BIO	*b;
	char	*data, *s;
	long	 n;

	if ((b = BIO_new(BIO_s_mem())) == NULL)
		fatalx("out of memory");
	ASN1_TIME_print(b, t);
	n = BIO_get_mem_data(b, &data);
	s = xstrndup(data, n > 0 ? (size_t)n : 0);
	BIO_free(b);
	return s;
}

/* The certificate in path; NULL with *cause. */
static X509 *
hub_tls_cert(const char *path, char **cause)
{
	FILE	*f;
	X509	*x;
	char	*when;

	if ((f = fopen(path, "r")) == NULL) {
		*cause = xasprintf("cannot read the certificate %s (--cert): "
		    "%s", path, strerror(errno));
		return NULL;
	}
	x = PEM_read_X509(f, NULL, hub_tls_nopass, NULL);
	fclose(f);
	if (x == NULL) {
		*cause = xasprintf("%s (--cert) holds no PEM certificate: %s",
		    path, hub_tls_error());
		return NULL;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(x)) <= 0) {
		when = hub_tls_time(X509_get0_notAfter(x));
		*cause = xasprintf("the certificate %s (--cert) expired on %s",
		    path, when);
		free(when);
		X509_free(x);
		return NULL;
	}
	if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0) {
		when = hub_tls_time(X509_get0_notBefore(x));
		util_log("warning: the certificate %s is valid only from %s: "
		    "clients will refuse it until then", path, when);
		free(when);
	}
	return x;
}

/* The private key in path; NULL with *cause. */
static EVP_PKEY *
hub_tls_key(const char *path, char **cause)
{
	struct stat	 sb;
	FILE		*f;
	EVP_PKEY	*k;

	if ((f = fopen(path, "r")) == NULL) {
		*cause = xasprintf("cannot read the key %s (--key): %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		*cause = xasprintf("the key %s (--key) is not a file", path);
		fclose(f);
		return NULL;
	}
	if (sb.st_mode & S_IRWXO) {
		*cause = xasprintf("the key %s (--key) is open to others "
		    "(mode %04o): chmod o-rwx %s", path,
		    (unsigned)(sb.st_mode & 07777), path);
		fclose(f);
		return NULL;
	}
	k = PEM_read_PrivateKey(f, NULL, hub_tls_nopass, NULL);
	fclose(f);
	if (k == NULL) {
		*cause = xasprintf("%s (--key) holds no unencrypted PEM private "
		    "key: %s", path, hub_tls_error());
		return NULL;
	}
	return k;
}

int
hub_tls_check(const struct hub_config *cfg, char **cause)
{
	X509		*x;
	EVP_PKEY	*k;
	char		 name[256], *until;
	int		 rc = -1;

	if (cfg->cert == NULL && cfg->key == NULL)
		return 0;
	if (cfg->cert == NULL || cfg->key == NULL) {
		*cause = xasprintf("--%s without --%s: TLS needs both the "
		    "certificate and its key", cfg->cert != NULL ? "cert" :
		    "key", cfg->cert != NULL ? "key" : "cert");
		return -1;
	}
	if (cfg->listen == NULL) {
		*cause = xstrdup("--cert and --key are for the TCP listener, "
		    "and there is none: give --listen (the Unix socket is "
		    "local and stays plaintext)");
		return -1;
	}
	if ((x = hub_tls_cert(cfg->cert, cause)) == NULL)
		return -1;
	if ((k = hub_tls_key(cfg->key, cause)) == NULL)
		goto out;
	if (X509_check_private_key(x, k) != 1) {
		*cause = xasprintf("the key %s (--key) is not the key of the "
		    "certificate %s (--cert)", cfg->key, cfg->cert);
		ERR_clear_error();
		goto out;
	}
	X509_NAME_oneline(X509_get_subject_name(x), name, sizeof name);
	until = hub_tls_time(X509_get0_notAfter(x));
	util_log("tls: certificate %s (%s), valid until %s", cfg->cert, name,
	    until);
	free(until);
	rc = 0;
out:
	EVP_PKEY_free(k);
	X509_free(x);
	return rc;
}
