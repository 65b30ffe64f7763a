/*
 * vnc_check - an independent RFB client (libvncclient) for conformance tests
 *
 * Connects to a VNC server, receives the framebuffer with the encodings and
 * pixel format it is told to use, and compares what it got with a reference
 * PNG (a screenshot the server's own driver wrote). It can also send input
 * (a click, typed text) and check that the desktop visibly reacts.
 *
 *   vnc_check connect HOST:PORT [options]     (see usage() below)
 *   vnc_check compare A.png B.(png|ppm) [--region X,Y,W,H] [--expect-differ]
 *   vnc_check find REF.png SCREEN.ppm         REF exactly somewhere in SCREEN
 *
 * Exit status: 0 pass, 1 failure (with a diagnosis on stdout), 2 usage.
 *
 * Comparison rules (connect --reference):
 *  - 32 bpp, lossless encodings: every pixel identical.
 *  - 16 bpp (565) and 8 bpp (bgr233): the reference is reduced to the
 *    format first. The RFB spec leaves the reduction to the server
 *    (truncation v >> (8 - bits), rounding, a table: TigerVNC's Xvnc gives
 *    3 for red 0x5b at 3 bits, where both truncation and rounding give 2),
 *    so for each channel the value the client got must be one of the two
 *    nearest to the exact v * max / 255, floor or ceiling.
 *  - --lossy (Tight JPEG): JPEG changes pixels, so only bounds apply. The
 *    mean absolute error over all channels must stay <= --max-mean
 *    (default 8) and at most --max-bad percent (default 1.0) of the pixels
 *    may be off by more than 64 in a channel. JPEG errors are small on
 *    flat areas and concentrate in a ring around sharp edges (antialiased
 *    glyphs, thin strokes), where chroma subsampling alone moves a channel
 *    by 100 and more: a bound on the maximum would fail a correct server at
 *    low quality. A broken encoder (swapped channels, a rectangle at the
 *    wrong place, a bad JPEG header) changes whole areas by far more, which
 *    the mean and the share of bad pixels catch. The maximum is reported.
 *
 * To see which encodings the server really used, the rect header of each
 * rectangle is read back from libvncclient's input buffer when the
 * SoftCursorLockArea hook runs (right after the header was consumed); it is
 * trusted only when the x, y, w, h stored before it match the hook's
 * arguments. --require-encoding NAME fails the check unless at least one
 * rectangle came in that encoding.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <png.h>
#include <rfb/rfbclient.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- images */

typedef struct { int w, h; unsigned char *rgb; } Image;

static int read_png(const char *path, Image *img)
{
	png_image p;
	memset(&p, 0, sizeof p);
	p.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&p, path)) {
		printf("vnc_check: cannot read %s: %s\n", path, p.message);
		return 0;
	}
	p.format = PNG_FORMAT_RGB;
	img->w = p.width; img->h = p.height;
	img->rgb = malloc(PNG_IMAGE_SIZE(p));
	if (!png_image_finish_read(&p, NULL, img->rgb, 0, NULL)) {
		printf("vnc_check: cannot decode %s: %s\n", path, p.message);
		return 0;
	}
	return 1;
}

static int write_png(const char *path, const Image *img)
{
	png_image p;
	memset(&p, 0, sizeof p);
	p.version = PNG_IMAGE_VERSION;
	p.width = img->w; p.height = img->h; p.format = PNG_FORMAT_RGB;
	if (!png_image_write_to_file(&p, path, 0, img->rgb, 0, NULL)) {
		printf("vnc_check: cannot write %s: %s\n", path, p.message);
		return 0;
	}
	return 1;
}

/* binary PPM (P6, maxval 255), as the test driver writes from an xwd dump */
static int read_ppm(const char *path, Image *img)
{
	FILE *f = fopen(path, "rb");
	int maxval;
	if (!f) { printf("vnc_check: cannot open %s: %s\n", path, strerror(errno)); return 0; }
	if (fscanf(f, "P6 %d %d %d", &img->w, &img->h, &maxval) != 3 || maxval != 255) {
		printf("vnc_check: %s is no 8-bit P6 PPM\n", path);
		fclose(f);
		return 0;
	}
	fgetc(f);
	size_t n = (size_t)img->w * img->h * 3;
	img->rgb = malloc(n);
	int ok = fread(img->rgb, 1, n, f) == n;
	fclose(f);
	if (!ok) printf("vnc_check: %s is truncated\n", path);
	return ok;
}

static int read_image(const char *path, Image *img)
{
	size_t l = strlen(path);
	if (l > 4 && strcmp(path + l - 4, ".ppm") == 0) return read_ppm(path, img);
	return read_png(path, img);
}

static unsigned char *px(const Image *img, int x, int y) { return img->rgb + ((size_t)y * img->w + x) * 3; }

/* --------------------------------------------------------- pixel formats */

typedef struct { int bits[3]; } Reduce;   /* bits per channel, 8 for none */

static int reduce_floor(int v, int bits) { int max = (1 << bits) - 1; return v * max / 255; }
static int reduce_ceil(int v, int bits)  { int max = (1 << bits) - 1; return (v * max + 254) / 255; }
static int expand(int v, int bits)       { int max = (1 << bits) - 1; return (v * 255 + max / 2) / max; }

/* ------------------------------------------------------------ comparison */

typedef struct {
	int lossy;
	double max_mean, max_bad;
	int rx, ry, rw, rh;     /* region, rw == 0: whole image */
} Compare_rules;

typedef struct {
	long differing, bad;
	double mean;
	int max_err;
	int first_x, first_y;
	unsigned char want[3], got[3];
	int ok;
} Compare_result;

/*
 * got is in the client's channel values (bits per channel as in r), ref is
 * 8-bit RGB. Lossless: exact per the rules in the header comment.
 */
static Compare_result compare(const Image *ref, const int *got /* 3 ints per pixel */,
                              int w, Reduce r, Compare_rules const *rules)
{
	Compare_result res;
	memset(&res, 0, sizeof res);
	res.first_x = -1;
	int x0 = 0, y0 = 0, x1 = ref->w, y1 = ref->h;
	if (rules->rw) { x0 = rules->rx; y0 = rules->ry; x1 = x0 + rules->rw; y1 = y0 + rules->rh; }
	double sum = 0;
	long n = 0;
	for (int y = y0; y < y1; y++) {
		for (int x = x0; x < x1; x++) {
			unsigned char *want = px(ref, x, y);
			const int *g = got + ((size_t)y * w + x) * 3;
			int differs = 0, pix_err = 0;
			for (int c = 0; c < 3; c++) {
				int b = r.bits[c];
				if (rules->lossy) {
					int e = abs(expand(g[c], b) - want[c]);
					sum += e;
					if (e > pix_err) pix_err = e;
					if (e) differs = 1;
				} else if (g[c] != reduce_floor(want[c], b) && g[c] != reduce_ceil(want[c], b)) {
					differs = 1;
					int e = abs(expand(g[c], b) - want[c]);
					if (e > pix_err) pix_err = e;
				}
			}
			n++;
			if (pix_err > res.max_err) res.max_err = pix_err;
			if (pix_err > 64) res.bad++;
			if (differs) {
				if (!res.differing) {
					res.first_x = x; res.first_y = y;
					memcpy(res.want, want, 3);
					for (int c = 0; c < 3; c++) res.got[c] = expand(g[c], r.bits[c]);
				}
				res.differing++;
			}
		}
	}
	res.mean = n ? sum / (n * 3.0) : 0;
	if (rules->lossy)
		res.ok = res.mean <= rules->max_mean && res.bad * 100.0 <= rules->max_bad * n;
	else
		res.ok = res.differing == 0;
	return res;
}

static void print_result(const char *what, Compare_result const *res, Compare_rules const *rules, long pixels)
{
	if (rules->lossy) {
		printf("vnc_check: %s: mean abs error %.2f (limit %.2f), %ld of %ld pixels off by more than 64 "
		       "(%.3f%%, limit %.2f%%), max error %d, %ld pixels differ\n",
		       what, res->mean, rules->max_mean, res->bad, pixels, res->bad * 100.0 / pixels,
		       rules->max_bad, res->max_err, res->differing);
	} else if (res->differing) {
		printf("vnc_check: %s: %ld of %ld pixels differ (max channel error %d); first at %d,%d: "
		       "got #%02x%02x%02x, want #%02x%02x%02x\n",
		       what, res->differing, pixels, res->max_err, res->first_x, res->first_y,
		       res->got[0], res->got[1], res->got[2], res->want[0], res->want[1], res->want[2]);
	} else {
		printf("vnc_check: %s: all %ld pixels identical\n", what, pixels);
	}
}

static int parse_region(const char *s, Compare_rules *rules)
{
	return sscanf(s, "%d,%d,%d,%d", &rules->rx, &rules->ry, &rules->rw, &rules->rh) == 4 &&
	       rules->rw > 0 && rules->rh > 0;
}

static int region_fits(Compare_rules const *rules, int w, int h)
{
	return !rules->rw || (rules->rx >= 0 && rules->ry >= 0 &&
	                      rules->rx + rules->rw <= w && rules->ry + rules->rh <= h);
}

/* ----------------------------------------------------- compare / find */

static int cmd_compare(int argc, char **argv)
{
	Compare_rules rules = { 0, 8, 1, 0, 0, 0, 0 };
	int expect_differ = 0;
	const char *files[2]; int nfiles = 0;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--region") && i + 1 < argc) {
			if (!parse_region(argv[++i], &rules)) { printf("vnc_check: bad region %s\n", argv[i]); return 2; }
		} else if (!strcmp(argv[i], "--expect-differ")) {
			expect_differ = 1;
		} else if (nfiles < 2) {
			files[nfiles++] = argv[i];
		} else return 2;
	}
	if (nfiles != 2) return 2;
	Image a, b;
	if (!read_image(files[0], &a) || !read_image(files[1], &b)) return 1;
	if (a.w != b.w || a.h != b.h) {
		printf("vnc_check: %s is %dx%d, %s is %dx%d\n", files[0], a.w, a.h, files[1], b.w, b.h);
		return 1;
	}
	if (!region_fits(&rules, a.w, a.h)) { printf("vnc_check: region outside the image\n"); return 2; }
	int *got = malloc(sizeof(int) * 3 * (size_t)b.w * b.h);
	for (size_t i = 0; i < (size_t)b.w * b.h * 3; i++) got[i] = b.rgb[i];
	Reduce r = { { 8, 8, 8 } };
	Compare_result res = compare(&a, got, b.w, r, &rules);
	long pixels = rules.rw ? (long)rules.rw * rules.rh : (long)a.w * a.h;
	char what[512];
	snprintf(what, sizeof what, "%s vs %s%s", files[1], files[0], rules.rw ? " (region)" : "");
	print_result(what, &res, &rules, pixels);
	if (expect_differ) {
		if (res.ok) { printf("vnc_check: FAILED: expected a difference, the images are identical there\n"); return 1; }
		printf("vnc_check: differ as expected\n");
		return 0;
	}
	return res.ok ? 0 : 1;
}

static int cmd_find(int argc, char **argv)
{
	if (argc != 2) return 2;
	Image ref, scr;
	if (!read_image(argv[0], &ref) || !read_image(argv[1], &scr)) return 1;
	if (ref.w > scr.w || ref.h > scr.h) {
		printf("vnc_check: the reference (%dx%d) is larger than the screen (%dx%d)\n", ref.w, ref.h, scr.w, scr.h);
		return 1;
	}
	/* sample points: where the reference changes color, plus a grid */
	enum { MAX_SAMPLES = 256 };
	int sx[MAX_SAMPLES], sy[MAX_SAMPLES], ns = 0;
	for (int y = 0; y < ref.h && ns < MAX_SAMPLES / 2; y += 7)
		for (int x = 1; x < ref.w && ns < MAX_SAMPLES / 2; x += 3)
			if (memcmp(px(&ref, x, y), px(&ref, x - 1, y), 3)) { sx[ns] = x; sy[ns] = y; ns++; x += ref.w / 8; }
	for (int gy = 0; gy < 8; gy++)
		for (int gx = 0; gx < 8 && ns < MAX_SAMPLES; gx++) {
			sx[ns] = gx * (ref.w - 1) / 7; sy[ns] = gy * (ref.h - 1) / 7; ns++;
		}
	int best = -1, bx = 0, by = 0;
	for (int oy = 0; oy + ref.h <= scr.h; oy++)
		for (int ox = 0; ox + ref.w <= scr.w; ox++) {
			int hits = 0;
			for (int i = 0; i < ns; i++) {
				if (memcmp(px(&ref, sx[i], sy[i]), px(&scr, ox + sx[i], oy + sy[i]), 3)) {
					if (i < 4) break;   /* quick reject */
					continue;
				}
				hits++;
			}
			if (hits > best) { best = hits; bx = ox; by = oy; }
		}
	/* full comparison at the best position */
	long differing = 0; int fx = -1, fy = -1;
	for (int y = 0; y < ref.h; y++)
		for (int x = 0; x < ref.w; x++)
			if (memcmp(px(&ref, x, y), px(&scr, bx + x, by + y), 3)) {
				if (!differing) { fx = x; fy = y; }
				differing++;
			}
	if (differing) {
		unsigned char *w = px(&ref, fx, fy), *g = px(&scr, bx + fx, by + fy);
		printf("vnc_check: the reference is not on the screen exactly; best place %d,%d (%d of %d samples): "
		       "%ld of %ld pixels differ, first at %d,%d: got #%02x%02x%02x, want #%02x%02x%02x\n",
		       bx, by, best, ns, differing, (long)ref.w * ref.h, fx, fy, g[0], g[1], g[2], w[0], w[1], w[2]);
		return 1;
	}
	printf("vnc_check: the reference (%dx%d) is on the screen at %d,%d, all pixels identical\n",
	       ref.w, ref.h, bx, by);
	return 0;
}

/* ------------------------------------------------------------- the client */

static struct {
	char log[16384];
	size_t used;
	int verbose;
} logbuf;

static void client_log(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (logbuf.verbose) printf("libvncclient: %s", line);
	size_t l = strlen(line);
	if (logbuf.used + l < sizeof logbuf.log) { memcpy(logbuf.log + logbuf.used, line, l); logbuf.used += l; }
}

static void print_client_log(void)
{
	printf("vnc_check: libvncclient said:\n");
	char *save, *copy = strndup(logbuf.log, logbuf.used);
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		printf("  %s\n", l);
	free(copy);
}

static const char *password;
static uint8_t *covered;
static long covered_count;
static int updates, rects_total;
static long bytes_received;
static int client_sock = -1;

enum { ENC_SLOTS = 13 };
static const struct { int32_t code; const char *name; } encodings[ENC_SLOTS] = {
	{ 0, "raw" }, { 1, "copyrect" }, { 2, "rre" }, { 4, "corre" }, { 5, "hextile" }, { 6, "zlib" },
	{ 7, "tight" }, { 15, "trle" }, { 16, "zrle" }, { 17, "zywrle" }, { 8, "zlibhex" }, { -258, "qemu-key-pseudo" },
	{ -1, "unknown" },
};
static int enc_count[ENC_SLOTS];
static int32_t unknown_codes[8];
static int unsure_rects;

/* count what libvncclient reads from the server's socket */
ssize_t read(int fd, void *buf, size_t n)
{
	ssize_t r = syscall(SYS_read, fd, buf, n);
	if (fd == client_sock && r > 0) bytes_received += r;
	return r;
}

static char *get_password(rfbClient *c)
{
	(void)c;
	return strdup(password ? password : "");
}

/* VeNCrypt's X509 subtypes: the CA that signed the server's certificate (--x509-ca) */
static const char *x509_ca;

static rfbCredential *get_credential(rfbClient *c, int type)
{
	(void)c;
	if (type != rfbCredentialTypeX509 || !x509_ca) return NULL;
	rfbCredential *cred = calloc(1, sizeof(*cred));
	cred->x509Credential.x509CACertFile = strdup(x509_ca);
	cred->x509Credential.x509CrlVerifyMode = rfbX509CrlVerifyNone;
	return cred;
}

static void mark(rfbClient *c, int x, int y, int w, int h)
{
	for (int yy = y; yy < y + h && yy < c->height; yy++)
		for (int xx = x; xx < x + w && xx < c->width; xx++) {
			uint8_t *m = covered + (size_t)yy * c->width + xx;
			if (!*m) { *m = 1; covered_count++; }
		}
}

static void got_update(rfbClient *c, int x, int y, int w, int h)
{
	rects_total++;
	mark(c, x, y, w, h);
}

/* (re)allocates the framebuffer: at the start and at each DesktopSize */
static int resizes;
static rfbBool malloc_fb(rfbClient *c)
{
	free(c->frameBuffer);
	free(covered);
	size_t n = (size_t)c->width * c->height;
	c->frameBuffer = calloc(n ? n * (c->format.bitsPerPixel / 8) : 1, 1);
	covered = calloc(n ? n : 1, 1);
	covered_count = 0;
	resizes++;
	return c->frameBuffer && covered;
}

static int be16(const unsigned char *p) { return p[0] << 8 | p[1]; }

static void lock_area(rfbClient *c, int x, int y, int w, int h)
{
	unsigned char *end = (unsigned char *)c->bufoutptr;
	unsigned char *start = (unsigned char *)c->buf;
	if (end - start < 12) { unsure_rects++; return; }   /* the header straddled a buffer refill */
	unsigned char *hdr = end - 12;
	if (be16(hdr) != x || be16(hdr + 2) != y || be16(hdr + 4) != w || be16(hdr + 6) != h)
		return;   /* not right after a rect header (the source area of a CopyRect) */
	int32_t enc = (int32_t)((uint32_t)hdr[8] << 24 | hdr[9] << 16 | hdr[10] << 8 | hdr[11]);
	for (int i = 0; i < ENC_SLOTS - 1; i++)
		if (encodings[i].code == enc) { enc_count[i]++; return; }
	if (enc_count[ENC_SLOTS - 1] < 8) unknown_codes[enc_count[ENC_SLOTS - 1]] = enc;
	enc_count[ENC_SLOTS - 1]++;
}

static void unlock_screen(rfbClient *c) { (void)c; }

static void copy_rect(rfbClient *c, int sx, int sy, int w, int h, int dx, int dy)
{
	int bpp = c->format.bitsPerPixel / 8;
	size_t line = (size_t)w * bpp, stride = (size_t)c->width * bpp;
	uint8_t *tmp = malloc(line * h);
	for (int i = 0; i < h; i++) memcpy(tmp + i * line, c->frameBuffer + (sy + i) * stride + (size_t)sx * bpp, line);
	for (int i = 0; i < h; i++) memcpy(c->frameBuffer + (dy + i) * stride + (size_t)dx * bpp, tmp + i * line, line);
	free(tmp);
}

static int frame_done;
static void finished_update(rfbClient *c) { (void)c; updates++; frame_done = 1; }

/* the last ServerCutText (Latin-1, as libvncclient hands it up) */
static char *cut_text;
static void got_cut_text(rfbClient *c, const char *text, int len)
{
	(void)c;
	free(cut_text);
	cut_text = strndup(text, (size_t)len);
}

static int cut_text_is(rfbClient *c, void *arg)
{
	(void)c;
	return cut_text && !strcmp(cut_text, (const char *)arg);
}

static int cursor_shapes;
static void got_cursor(rfbClient *c, int xh, int yh, int w, int h, int bpp)
{
	(void)c; (void)xh; (void)yh; (void)w; (void)h; (void)bpp;
	cursor_shapes++;
}

static int *client_pixels(rfbClient *c)
{
	int bpp = c->format.bitsPerPixel / 8;
	int *out = malloc(sizeof(int) * 3 * (size_t)c->width * c->height);
	for (size_t i = 0; i < (size_t)c->width * c->height; i++) {
		uint8_t *p = c->frameBuffer + i * bpp;
		uint32_t v = 0;
		for (int b = 0; b < bpp; b++)
			v |= (uint32_t)p[c->format.bigEndian ? bpp - 1 - b : b] << (8 * b);
		out[i * 3 + 0] = (v >> c->format.redShift) & c->format.redMax;
		out[i * 3 + 1] = (v >> c->format.greenShift) & c->format.greenMax;
		out[i * 3 + 2] = (v >> c->format.blueShift) & c->format.blueMax;
	}
	return out;
}

static int bits_of(int max) { int b = 0; while (max) { b++; max >>= 1; } return b; }

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	printf(
"usage: vnc_check connect HOST:PORT [options]\n"
"  --encodings LIST      libvncclient encodings string, e.g. \"zrle\", \"copyrect zrle\"\n"
"  --compress N          compress level 0-9 (with tight/zlib)\n"
"  --quality N           JPEG quality level 0-9; implies --jpeg\n"
"  --jpeg                allow Tight JPEG (send the quality level)\n"
"  --bpp 32|16|8         pixel format: 32 (depth 24), 16 (565), 8 (bgr233)\n"
"  --password PW         for VNC authentication\n"
"  --x509-ca FILE        the CA certificate for VeNCrypt's X509 types\n"
"  --reference FILE.png  compare the complete framebuffer with it\n"
"  --lossy               JPEG bounds instead of exact (--max-mean M, --max-bad PERCENT)\n"
"  --require-encoding E  at least one rect must come in encoding E (raw, hextile, zrle, tight, copyrect …)\n"
"  --max-bytes N         fail if the server sent more than N bytes for the first complete frame\n"
"  --expect-name NAME    the desktop name\n"
"  --expect-size WxH     the framebuffer size\n"
"  --click X,Y           after the first complete frame: left click at X,Y\n"
"  --type STRING         then type STRING (keysyms; a-z, A-Z, 0-9, space)\n"
"  --qemu-keys           type with QEMU extended key events (keysym + XT scan code)\n"
"  --expect-change X,Y,W,H   after the input, wait until this region changed\n"
"  --save FILE.png       write the final framebuffer (as 8-bit RGB)\n"
"  --then-size WxH       at the end, wait for a DesktopSize change to WxH and a complete\n"
"                        frame, then for a line (or EOF) on stdin, and write --then-save\n"
"  --then-save FILE.png  the framebuffer after the size change\n"
"  --require-cursor      the server must send a cursor shape (Cursor pseudo-encoding)\n"
"  --expect-lossy-first  the first complete frame must differ from --reference (JPEG came),\n"
"                        and the picture must then become exactly the reference (lossless refresh)\n"
"  --final-reference FILE.png  at the end, wait for a line (or EOF) on stdin, then until the\n"
"                        framebuffer equals FILE exactly (written meanwhile by the caller)\n"
"  --send-cut-text TEXT  after the first complete frame, send TEXT as ClientCutText (Latin-1)\n"
"  --expect-cut-text TEXT  then wait until a ServerCutText with TEXT (Latin-1) came\n"
"  --then-change X,Y,W,H at the end, wait until this region changes (something else changes\n"
"                        the desktop), then for a line (or EOF) on stdin, and write --then-save\n"
"  --then-require-encoding E  at least one rectangle after that change came in encoding E\n"
"  --expect-auth-failure succeed only if the server refuses the authentication\n"
"  --timeout SECONDS     (default 20)\n"
"  --verbose             show libvncclient's log\n"
"usage: vnc_check compare A.png B.png|B.ppm [--region X,Y,W,H] [--expect-differ]\n"
"usage: vnc_check find REF.png SCREEN.ppm\n");
}

/* US keyboard XT scan codes (= evdev codes) for the QEMU extended key event */
static int xt_code(char ch, int *shift)
{
	static const char *rows[] = { "1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm" };
	static const int first[] = { 2, 16, 30, 44 };
	*shift = ch >= 'A' && ch <= 'Z';
	char c = *shift ? ch - 'A' + 'a' : ch;
	if (c == ' ') return 57;
	for (int r = 0; r < 4; r++) {
		const char *p = strchr(rows[r], c);
		if (p && c) return first[r] + (int)(p - rows[r]);
	}
	return 0;
}

static int pump(rfbClient *c, double deadline, int (*until)(rfbClient *, void *), void *arg)
{
	while (now() < deadline) {
		if (until && until(c, arg)) return 1;
		int n = WaitForMessage(c, 50000);
		if (n < 0) { printf("vnc_check: connection lost\n"); return -1; }
		if (n > 0 && !HandleRFBServerMessage(c)) {
			printf("vnc_check: the connection failed while handling a server message\n");
			print_client_log();
			return -1;
		}
	}
	return until ? until(c, arg) : 1;
}

static int complete(rfbClient *c, void *arg)
{
	(void)arg;
	return frame_done && covered_count == (long)c->width * c->height;
}

typedef struct { Compare_rules rules; uint8_t *before; int done; } Change;

static int changed(rfbClient *c, void *arg)
{
	Change *ch = arg;
	if (!frame_done) return 0;
	frame_done = 0;
	int bpp = c->format.bitsPerPixel / 8;
	for (int y = ch->rules.ry; y < ch->rules.ry + ch->rules.rh; y++) {
		size_t off = ((size_t)y * c->width + ch->rules.rx) * bpp;
		if (memcmp(c->frameBuffer + off, ch->before + off, (size_t)ch->rules.rw * bpp)) return 1;
	}
	return 0;
}

static int resized_to(rfbClient *c, void *arg)
{
	int *size = arg;
	return c->width == size[0] && c->height == size[1] && complete(c, NULL);
}

static int stdin_ready(rfbClient *c, void *arg)
{
	(void)c; (void)arg;
	struct pollfd p = { 0, POLLIN, 0 };
	return poll(&p, 1, 0) > 0;
}

static int write_framebuffer(rfbClient *c, const char *path, Reduce red)
{
	Image out = { c->width, c->height, malloc((size_t)c->width * c->height * 3) };
	int *got = client_pixels(c);
	for (size_t i = 0; i < (size_t)c->width * c->height * 3; i++) out.rgb[i] = expand(got[i], red.bits[i % 3]);
	free(got);
	int ok = write_png(path, &out);
	free(out.rgb);
	return ok;
}

static int cmd_connect(int argc, char **argv)
{
	static struct option opts[] = {
		{ "encodings", 1, 0, 'e' }, { "compress", 1, 0, 'c' }, { "quality", 1, 0, 'q' },
		{ "jpeg", 0, 0, 'j' }, { "bpp", 1, 0, 'b' }, { "password", 1, 0, 'p' },
		{ "reference", 1, 0, 'r' }, { "lossy", 0, 0, 'l' }, { "max-mean", 1, 0, 'M' },
		{ "max-bad", 1, 0, 'B' }, { "require-encoding", 1, 0, 'E' }, { "max-bytes", 1, 0, 'X' },
		{ "expect-name", 1, 0, 'n' }, { "expect-size", 1, 0, 'S' }, { "click", 1, 0, 'k' },
		{ "type", 1, 0, 't' }, { "qemu-keys", 0, 0, 'Q' }, { "expect-change", 1, 0, 'C' },
		{ "save", 1, 0, 's' }, { "expect-auth-failure", 0, 0, 'A' }, { "timeout", 1, 0, 'T' },
		{ "verbose", 0, 0, 'v' }, { "then-size", 1, 0, 'z' }, { "then-save", 1, 0, 'Z' },
		{ "require-cursor", 0, 0, 'U' }, { "then-change", 1, 0, 'H' },
		{ "then-require-encoding", 1, 0, 'R' }, { "x509-ca", 1, 0, 'x' }, { "expect-lossy-first", 0, 0, 'L' },
		{ "final-reference", 1, 0, 'F' }, { "send-cut-text", 1, 0, 'K' }, { "expect-cut-text", 1, 0, 'y' },
		{ 0, 0, 0, 0 },
	};
	const char *enc = NULL, *reference = NULL, *require = NULL, *expect_name = NULL, *save = NULL;
	const char *type = NULL, *then_save = NULL, *then_require = NULL, *final_reference = NULL;
	int expect_lossy_first = 0;
	const char *send_cut = NULL, *expect_cut = NULL;
	Change then_change;
	memset(&then_change, 0, sizeof then_change);
	int want_then_change = 0;
	int then_w = 0, then_h = 0, require_cursor = 0;
	int compress = -1, quality = -1, jpeg = 0, bpp = 32, expect_auth_failure = 0, qemu_keys = 0;
	int click_x = -1, click_y = -1, expect_w = 0, expect_h = 0;
	long max_bytes = 0;
	double timeout = 20;
	Compare_rules rules = { 0, 8, 1, 0, 0, 0, 0 };
	Change change;
	memset(&change, 0, sizeof change);
	int want_change = 0;

	optind = 1;
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'e': enc = optarg; break;
		case 'c': compress = atoi(optarg); break;
		case 'q': quality = atoi(optarg); jpeg = 1; break;
		case 'j': jpeg = 1; break;
		case 'b': bpp = atoi(optarg); break;
		case 'p': password = optarg; break;
		case 'x': x509_ca = optarg; break;
		case 'r': reference = optarg; break;
		case 'l': rules.lossy = 1; break;
		case 'M': rules.max_mean = atof(optarg); break;
		case 'B': rules.max_bad = atof(optarg); break;
		case 'E': require = optarg; break;
		case 'X': max_bytes = atol(optarg); break;
		case 'n': expect_name = optarg; break;
		case 'S': if (sscanf(optarg, "%dx%d", &expect_w, &expect_h) != 2) { usage(); return 2; } break;
		case 'k': if (sscanf(optarg, "%d,%d", &click_x, &click_y) != 2) { usage(); return 2; } break;
		case 't': type = optarg; break;
		case 'Q': qemu_keys = 1; break;
		case 'C': if (!parse_region(optarg, &change.rules)) { usage(); return 2; } want_change = 1; break;
		case 's': save = optarg; break;
		case 'A': expect_auth_failure = 1; break;
		case 'T': timeout = atof(optarg); break;
		case 'v': logbuf.verbose = 1; break;
		case 'z': if (sscanf(optarg, "%dx%d", &then_w, &then_h) != 2) { usage(); return 2; } break;
		case 'Z': then_save = optarg; break;
		case 'U': require_cursor = 1; break;
		case 'H': if (!parse_region(optarg, &then_change.rules)) { usage(); return 2; } want_then_change = 1; break;
		case 'R': then_require = optarg; break;
		case 'L': expect_lossy_first = 1; break;
		case 'F': final_reference = optarg; break;
		case 'K': send_cut = optarg; break;
		case 'y': expect_cut = optarg; break;
		default: usage(); return 2;
		}
	}
	if (optind != argc - 1 || (bpp != 32 && bpp != 16 && bpp != 8)) { usage(); return 2; }
	char *host = strdup(argv[optind]);
	char *colon = strrchr(host, ':');
	if (!colon) { usage(); return 2; }
	*colon = 0;
	int port = atoi(colon + 1);

	rfbClientLog = client_log;
	rfbClientErr = client_log;

	rfbClient *c = bpp == 32 ? rfbGetClient(8, 3, 4) : bpp == 16 ? rfbGetClient(5, 3, 2) : rfbGetClient(2, 3, 1);
	rfbPixelFormat *f = &c->format;
	if (bpp == 16) {   /* 565 */
		f->depth = 16; f->redMax = 31; f->greenMax = 63; f->blueMax = 31;
		f->redShift = 11; f->greenShift = 5; f->blueShift = 0;
	} else if (bpp == 8) {   /* bgr233: blue in the top two bits */
		f->depth = 8; f->redMax = 7; f->greenMax = 7; f->blueMax = 3;
		f->redShift = 0; f->greenShift = 3; f->blueShift = 6;
	}
	f->trueColour = 1;
	c->serverHost = strdup(host);
	c->serverPort = port;
	c->appData.encodingsString = enc;
	c->appData.compressLevel = compress;
	c->appData.qualityLevel = quality;
	c->appData.enableJPEG = jpeg;
	c->appData.useRemoteCursor = TRUE;
	c->appData.shareDesktop = TRUE;
	c->canHandleNewFBSize = TRUE;
	c->GetPassword = get_password;
	c->GetCredential = get_credential;
	c->GotFrameBufferUpdate = got_update;
	c->FinishedFrameBufferUpdate = finished_update;
	c->SoftCursorLockArea = lock_area;
	c->SoftCursorUnlockScreen = unlock_screen;
	c->GotCopyRect = copy_rect;
	c->GotCursorShape = got_cursor;
	c->GotXCutText = got_cut_text;
	c->MallocFrameBuffer = malloc_fb;

	char desc[256];
	snprintf(desc, sizeof desc, "%s, %d bpp%s%s", enc ? enc : "default encodings", bpp,
	         jpeg ? ", jpeg" : "", password ? ", password" : "");

	/* rfbInitClient connects, authenticates, sets format and encodings and
	 * asks for the whole framebuffer; on failure it frees the client */
	double start = now();
	int fake_argc = 0;
	if (!rfbInitClient(c, &fake_argc, NULL)) {
		if (expect_auth_failure) {
			/* RFB 3.8: SecurityResult "failed" is followed by a reason string,
			 * which libvncclient logs as "VNC connection failed: REASON" */
			char const *reason = strstr(logbuf.log, "VNC connection failed: ");
			print_client_log();
			if (reason && reason[23] && reason[23] != '\n') {
				int len = (int)strcspn(reason + 23, "\n");
				printf("vnc_check: the server refused the authentication, as expected: \"%.*s\"\n", len, reason + 23);
				return 0;
			}
			if (strstr(logbuf.log, "authentication failed")) {
				printf("vnc_check: FAILED: the server refused the authentication without a reason string (RFB 3.8 requires one)\n");
				return 1;
			}
			printf("vnc_check: FAILED: the connection failed, but not with an authentication failure\n");
			return 1;
		}
		print_client_log();
		printf("vnc_check: FAILED: cannot connect to %s:%d (%s)\n", host, port, desc);
		return 1;
	}
	client_sock = c->sock;
	if (expect_auth_failure) {
		printf("vnc_check: FAILED: the server accepted the connection (password %s)\n", password ? password : "none");
		return 1;
	}
	printf("vnc_check: connected to %s:%d, RFB %d.%d, desktop \"%s\" %dx%d, %s\n", host, port,
	       c->major, c->minor, c->desktopName, c->width, c->height, desc);
	if (expect_name && strcmp(expect_name, c->desktopName)) {
		printf("vnc_check: FAILED: desktop name \"%s\", expected \"%s\"\n", c->desktopName, expect_name);
		return 1;
	}
	if (expect_w && (c->width != expect_w || c->height != expect_h)) {
		printf("vnc_check: FAILED: framebuffer %dx%d, expected %dx%d\n", c->width, c->height, expect_w, expect_h);
		return 1;
	}

	double deadline = start + timeout;
	int r = pump(c, deadline, complete, NULL);
	if (r < 0) return 1;
	if (!r) {
		printf("vnc_check: FAILED: no complete framebuffer after %.0f s: %ld of %ld pixels updated "
		       "(%d updates, %d rects)\n", timeout, covered_count, (long)c->width * c->height, updates, rects_total);
		print_client_log();
		return 1;
	}
	long first_frame_bytes = bytes_received;
	double first_frame_s = now() - start;

	int failed = 0;
	Image ref;
	Reduce red = { { bits_of(f->redMax), bits_of(f->greenMax), bits_of(f->blueMax) } };
	if (reference) {
		if (!read_image(reference, &ref)) return 1;
		if (ref.w != c->width || ref.h != c->height) {
			printf("vnc_check: FAILED: the framebuffer is %dx%d, the reference %dx%d\n", c->width, c->height, ref.w, ref.h);
			return 1;
		}
		Compare_result res;
		if (expect_lossy_first) {
			Compare_rules exact = rules;
			exact.lossy = 0;
			int *got = client_pixels(c);
			res = compare(&ref, got, c->width, red, &exact);
			free(got);
			if (res.ok) {
				printf("vnc_check: FAILED: the first complete frame is exact already: no JPEG came\n");
				return 1;
			}
			printf("vnc_check: the first complete frame is lossy, as expected\n");
		}
		/* the desktop is static: wait (until the timeout) for the frame to match */
		for (;;) {
			int *got = client_pixels(c);
			res = compare(&ref, got, c->width, red, &rules);
			free(got);
			if (res.ok || now() >= deadline) break;
			frame_done = 0;
			double until = now() + 0.3 < deadline ? now() + 0.3 : deadline;
			while (now() < until && !frame_done)
				if (pump(c, until, NULL, NULL) < 0) return 1;
		}
		print_result(desc, &res, &rules, (long)c->width * c->height);
		if (!res.ok) failed = 1;
	}

	printf("vnc_check: first complete frame after %.2f s, %ld bytes (raw would be %ld), %d updates, "
	       "%d rects, %d cursor shapes; rects by encoding:", first_frame_s, first_frame_bytes,
	       (long)c->width * c->height * (bpp / 8), updates, rects_total, cursor_shapes);
	for (int i = 0; i < ENC_SLOTS; i++)
		if (enc_count[i]) printf(" %s %d", encodings[i].name, enc_count[i]);
	for (int i = 0; i < enc_count[ENC_SLOTS - 1] && i < 8; i++) printf(" (code %d)", unknown_codes[i]);
	if (unsure_rects) printf(", %d not identified", unsure_rects);
	printf("\n");
	if (require) {
		int found = 0;
		for (int i = 0; i < ENC_SLOTS; i++)
			if (!strcasecmp(encodings[i].name, require) && enc_count[i]) found = 1;
		if (!found) { printf("vnc_check: FAILED: no rectangle came in %s\n", require); failed = 1; }
	}
	if (require_cursor && !cursor_shapes) {
		printf("vnc_check: FAILED: no cursor shape came (Cursor/XCursor pseudo-encodings requested)\n");
		failed = 1;
	}
	if (max_bytes && first_frame_bytes > max_bytes) {
		printf("vnc_check: FAILED: %ld bytes for the first frame, more than %ld\n", first_frame_bytes, max_bytes);
		failed = 1;
	}

	if (send_cut) {
		if (!SendClientCutText(c, (char *)send_cut, (int)strlen(send_cut))) {
			printf("vnc_check: FAILED: could not send the cut text\n");
			return 1;
		}
		printf("vnc_check: sent cut text \"%s\"\n", send_cut);
	}
	if (expect_cut) {
		int r2 = pump(c, now() + timeout, cut_text_is, (void *)expect_cut);
		if (r2 < 0) return 1;
		if (!r2) {
			printf("vnc_check: FAILED: no ServerCutText \"%s\" within %.0f s (last: %s)\n", expect_cut, timeout,
			       cut_text ? cut_text : "none");
			failed = 1;
		} else {
			printf("vnc_check: got cut text \"%s\"\n", cut_text);
		}
	}

	if (click_x >= 0 || type) {
		size_t fb_size = (size_t)c->width * c->height * (bpp / 8);
		change.before = malloc(fb_size);
		memcpy(change.before, c->frameBuffer, fb_size);
		if (click_x >= 0) {
			SendPointerEvent(c, click_x, click_y, 0);
			SendPointerEvent(c, click_x, click_y, rfbButton1Mask);
			SendPointerEvent(c, click_x, click_y, 0);
			printf("vnc_check: clicked at %d,%d\n", click_x, click_y);
		}
		if (type) {
			if (qemu_keys) {
				/* the server announces the extension with a pseudo-rect */
				if (!SendExtendedKeyEvent(c, 'a', 30, FALSE)) {
					printf("vnc_check: FAILED: the server did not announce QEMU extended key events\n");
					return 1;
				}
			}
			for (const char *p = type; *p; p++) {
				int shift = 0, code = xt_code(*p, &shift);
				uint32_t sym = (unsigned char)*p;
				if (qemu_keys) {
					if (shift) SendExtendedKeyEvent(c, XK_Shift_L, 42, TRUE);
					SendExtendedKeyEvent(c, sym, code, TRUE);
					SendExtendedKeyEvent(c, sym, code, FALSE);
					if (shift) SendExtendedKeyEvent(c, XK_Shift_L, 42, FALSE);
				} else {
					if (shift) SendKeyEvent(c, XK_Shift_L, TRUE);
					SendKeyEvent(c, sym, TRUE);
					SendKeyEvent(c, sym, FALSE);
					if (shift) SendKeyEvent(c, XK_Shift_L, FALSE);
				}
			}
			printf("vnc_check: typed \"%s\"%s\n", type, qemu_keys ? " (QEMU extended key events)" : "");
		}
		if (want_change) {
			if (!region_fits(&change.rules, c->width, c->height)) { printf("vnc_check: region outside\n"); return 2; }
			frame_done = 0;
			double d = now() + (timeout < 10 ? timeout : 10);
			r = pump(c, d, changed, &change);
			if (r < 0) return 1;
			if (!r) {
				printf("vnc_check: FAILED: region %d,%d %dx%d did not change within %.0f s after the input\n",
				       change.rules.rx, change.rules.ry, change.rules.rw, change.rules.rh, timeout < 10 ? timeout : 10);
				failed = 1;
			} else {
				printf("vnc_check: region %d,%d %dx%d changed after the input\n",
				       change.rules.rx, change.rules.ry, change.rules.rw, change.rules.rh);
				/* let the rest of the reaction arrive */
				pump(c, now() + 0.5, NULL, NULL);
			}
		} else {
			pump(c, now() + 0.5, NULL, NULL);
		}
	}

	if (save && !write_framebuffer(c, save, red)) failed = 1;

	if (then_w) {
		printf("vnc_check: waiting for the size %dx%d\n", then_w, then_h);
		int r2 = pump(c, now() + timeout, resized_to, (int[]) { then_w, then_h });
		if (r2 < 0) return 1;
		if (!r2) {
			printf("vnc_check: FAILED: the framebuffer is %dx%d (%ld of its pixels updated) %.0f s later, "
			       "not %dx%d\n", c->width, c->height, covered_count, timeout, then_w, then_h);
			if (c->screen.width == 0)
				printf("vnc_check: libvncclient accepted no ExtendedDesktopSize screen: it ignores "
				       "screens whose id is 0 (or whose size is 0) and then does not resize; "
				       "a server should give its screen a nonzero id\n");
			return 1;
		}
		printf("vnc_check: resized to %dx%d, complete\n", c->width, c->height);
		if (pump(c, now() + timeout, stdin_ready, NULL) < 0) return 1;
		if (then_save && !write_framebuffer(c, then_save, red)) failed = 1;
	}
	if (want_then_change) {
		if (!region_fits(&then_change.rules, c->width, c->height)) { printf("vnc_check: region outside\n"); return 2; }
		size_t fb_size = (size_t)c->width * c->height * (bpp / 8);
		then_change.before = malloc(fb_size);
		memcpy(then_change.before, c->frameBuffer, fb_size);
		int counts_before[ENC_SLOTS];
		memcpy(counts_before, enc_count, sizeof counts_before);
		printf("vnc_check: waiting for a change in %d,%d %dx%d\n", then_change.rules.rx, then_change.rules.ry,
		       then_change.rules.rw, then_change.rules.rh);
		frame_done = 0;
		int r2 = pump(c, now() + timeout, changed, &then_change);
		if (r2 < 0) return 1;
		if (!r2) {
			printf("vnc_check: FAILED: the region did not change within %.0f s\n", timeout);
			return 1;
		}
		printf("vnc_check: the region changed\n");
		if (pump(c, now() + timeout, stdin_ready, NULL) < 0) return 1;
		pump(c, now() + 0.5, NULL, NULL);   /* what is still on its way */
		if (then_save && !write_framebuffer(c, then_save, red)) failed = 1;
		printf("vnc_check: rects after the change by encoding:");
		int found = 0;
		for (int i = 0; i < ENC_SLOTS; i++) {
			int const n = enc_count[i] - counts_before[i];
			if (n) printf(" %s %d", encodings[i].name, n);
			if (n && then_require && !strcasecmp(encodings[i].name, then_require)) found = 1;
		}
		printf("\n");
		if (then_require && !found) {
			printf("vnc_check: FAILED: no rectangle after the change came in %s\n", then_require);
			failed = 1;
		}
	}
	if (final_reference) {
		printf("vnc_check: waiting for the final reference\n");
		fflush(stdout);
		if (pump(c, now() + timeout, stdin_ready, NULL) < 0) return 1;
		Image fin;
		if (!read_image(final_reference, &fin)) return 1;
		if (fin.w != c->width || fin.h != c->height) {
			printf("vnc_check: FAILED: the framebuffer is %dx%d, the final reference %dx%d\n", c->width, c->height, fin.w, fin.h);
			return 1;
		}
		Compare_rules exact = rules;
		exact.lossy = 0;
		double const until = now() + timeout;
		Compare_result res;
		for (;;) {
			int *got = client_pixels(c);
			res = compare(&fin, got, c->width, red, &exact);
			free(got);
			if (res.ok || now() >= until) break;
			frame_done = 0;
			double step = now() + 0.3 < until ? now() + 0.3 : until;
			while (now() < step && !frame_done)
				if (pump(c, step, NULL, NULL) < 0) return 1;
		}
		print_result("final reference", &res, &exact, (long)c->width * c->height);
		if (!res.ok) failed = 1;
		if (save && !write_framebuffer(c, save, red)) failed = 1;
	}
	rfbClientCleanup(c);
	printf("vnc_check: %s\n", failed ? "FAILED" : "passed");
	return failed;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "connect")) return cmd_connect(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "compare")) {
		int r = cmd_compare(argc - 2, argv + 2);
		if (r == 2) usage();
		return r;
	}
	if (argc >= 2 && !strcmp(argv[1], "find")) {
		int r = cmd_find(argc - 2, argv + 2);
		if (r == 2) usage();
		return r;
	}
	usage();
	return 2;
}
