/*
 * Threshold levels with hysteresis (pure: no I/O, no clock).
 *
 * A threshold faces up (reached at or above it) or down (at or below).
 * The level a value has on its own is the highest whose threshold it
 * reaches.  Going up is at once; going down, a level is held while the
 * value is still within the band of its threshold (for an upward one,
 * above threshold - band), so a value jittering around a threshold does
 * not flap: it changes level once when it crosses, and once more only
 * when it has come back by the band.  With both thresholds set they face
 * the same way and critical is at or beyond warn (tele_levels_check).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tele.h"
#include "util.h"

static const char *tele_level_names[] = { "ok", "warn", "crit" };

const char *
tele_level_name(enum tele_level l)
{
	if ((int)l < 0 || l > TELE_LEVEL_CRIT)
		return "?";
	return tele_level_names[l];
}

void
tele_levels_init(struct tele_levels *l)
{
	memset(l, 0, sizeof *l);
	l->band = TELE_BAND_DEFAULT;
	l->relative = 1;
}

/* A finite number in the whole of s (after blanks), or -1. */
static int
tele_level_number(const char *s, double *v)
{
	char	*end;

	while (*s == ' ')
		s++;
	if (*s == '\0')
		return -1;
	*v = strtod(s, &end);
	while (*end == ' ')
		end++;
	if (*end != '\0' || !isfinite(*v))
		return -1;
	return 0;
}

int
tele_threshold_parse(const char *s, struct tele_threshold *t, char **cause)
{
	const char	*p = s;

	memset(t, 0, sizeof *t);
	while (*p == ' ')
		p++;
	if (*p == '<' || *p == '>') {
		t->below = *p == '<';
		p++;
		if (*p == '=')
			p++;
	}
	if (tele_level_number(p, &t->value) != 0) {
		*cause = xasprintf("bad threshold \"%s\": a number, or <N to "
		    "alert on low values", s);
		return -1;
	}
	t->set = 1;
	return 0;
}

int
tele_band_parse(const char *s, struct tele_levels *l, char **cause)
{
	char	*c = xstrdup(s);
	size_t	 n = strlen(c);
	int	 relative = 0;
	double	 v;

	while (n > 0 && c[n - 1] == ' ')
		c[--n] = '\0';
	if (n > 0 && c[n - 1] == '%') {
		c[--n] = '\0';
		relative = 1;
	}
	if (tele_level_number(c, &v) != 0 || v < 0 ||
	    (relative && v > 100)) {
		free(c);
		*cause = xasprintf("bad hysteresis \"%s\": a margin such as "
		    "2.5, or a share of the threshold such as 5%%", s);
		return -1;
	}
	free(c);
	l->relative = relative;
	l->band = relative ? v / 100 : v;
	return 0;
}

int
tele_levels_check(const struct tele_levels *l, char **cause)
{
	if (!isfinite(l->band) || l->band < 0 ||
	    (l->relative && l->band > 1)) {
		*cause = xstrdup("hysteresis must be a margin of 0 or more, "
		    "or a share of 0-100%");
		return -1;
	}
	if (!l->warn.set || !l->crit.set)
		return 0;
	if (l->warn.below != l->crit.below) {
		*cause = xstrdup("warn and crit must both be highs or both be "
		    "lows (<N)");
		return -1;
	}
	if (!l->warn.below && l->crit.value < l->warn.value) {
		*cause = xstrdup("crit must be at or above warn");
		return -1;
	}
	if (l->warn.below && l->crit.value > l->warn.value) {
		*cause = xstrdup("crit (<N) must be at or below warn");
		return -1;
	}
	return 0;
}

/* Does v reach t? */
static int
tele_level_reached(const struct tele_threshold *t, double v)
{
	if (!t->set)
		return 0;
	return t->below ? v <= t->value : v >= t->value;
}

/* Is v still within the band of t, so a level reached is kept? */
static int
tele_level_held(const struct tele_levels *l, const struct tele_threshold *t,
    double v)
{
	double	band;

	if (!t->set)
		return 0;
	band = l->relative ? fabs(t->value) * l->band : l->band;
	return t->below ? v < t->value + band : v > t->value - band;
}

enum tele_level
tele_level_eval(const struct tele_levels *l, enum tele_level prev, double v)
{
	enum tele_level	now;

	if (!l->warn.set && !l->crit.set)
		return TELE_LEVEL_OK;
	if (!isfinite(v))
		return prev;
	if (tele_level_reached(&l->crit, v))
		now = TELE_LEVEL_CRIT;
	else if (tele_level_reached(&l->warn, v))
		now = TELE_LEVEL_WARN;
	else
		now = TELE_LEVEL_OK;
	if (now >= prev)
		return now;
	/* Going down: the highest level still held, if above now. */
	if (prev == TELE_LEVEL_CRIT && tele_level_held(l, &l->crit, v))
		return TELE_LEVEL_CRIT;
	if (now == TELE_LEVEL_OK && tele_level_held(l, &l->warn, v))
		return TELE_LEVEL_WARN;
	return now;
}
