/*
 * A self-signed certificate and its key for the TLS tests, made at run
 * time with OpenSSL (no key is ever committed)
 */
#pragma once

#include <string>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

namespace Vnc_test {

	/* A self-signed certificate and its key, made now (no key is ever committed) */
	struct Test_certificate
	{
		std::string certificate_pem { }, key_pem { };

		Test_certificate()
		{
			EVP_PKEY *key = EVP_EC_gen("P-256");
			X509 *x = X509_new();
			ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
			X509_gmtime_adj(X509_getm_notBefore(x), -60);
			X509_gmtime_adj(X509_getm_notAfter(x), 3600);
			X509_set_pubkey(x, key);
			X509_NAME *name = X509_get_subject_name(x);
			X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (unsigned char const *)"localhost", -1, -1, 0);
			X509_set_issuer_name(x, name);
			X509_sign(x, key, EVP_sha256());

			auto text = [] (auto write) {
				BIO *b = BIO_new(BIO_s_mem());
				write(b);
				char *data = nullptr;
				long const n = BIO_get_mem_data(b, &data);
				std::string s(data, size_t(n));
				BIO_free(b);
				return s;
			};
			certificate_pem = text([&] (BIO *b) { PEM_write_bio_X509(b, x); });
			key_pem         = text([&] (BIO *b) { PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr); });
			X509_free(x);
			EVP_PKEY_free(key);
		}
	};
}
