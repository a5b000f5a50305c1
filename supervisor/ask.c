/*
 * ask.c - the answer channels for `ask` decisions (ask.h).
 *
 * This file holds the immediate channels; the interactive ones report
 * themselves as unavailable until they are built, and then the request is
 * denied (fail closed) with the channel named "unavailable".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ask.h"

struct ask {
	unsigned channels;
	int timeout_s;
};

int ask_parse_channels(const char *s, unsigned *mask)
{
	const char *p = s;

	*mask = 0;
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 3 && strncmp(p, "tty", 3) == 0)
			*mask |= ASK_TTY;
		else if (n == 7 && strncmp(p, "console", 7) == 0)
			*mask |= ASK_CONSOLE;
		else if (n == 4 && strncmp(p, "deny", 4) == 0)
			*mask |= ASK_DENY;
		else if (n == 5 && strncmp(p, "allow", 5) == 0)
			*mask |= ASK_ALLOW;
		else
			return -EINVAL;
		p += n;
		if (*p == ',')
			p++;
	}
	if (!*mask)
		return -EINVAL;
	if ((*mask & ASK_DENY) && (*mask & ASK_ALLOW))
		return -EINVAL;
	return 0;
}

int ask_new(struct ask **out, unsigned channels, int timeout_s)
{
	struct ask *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->channels = channels;
	a->timeout_s = timeout_s;
	*out = a;
	return 0;
}

void ask_free(struct ask *a)
{
	free(a);
}

bool ask_is_interactive(const struct ask *a)
{
	return (a->channels & (ASK_TTY | ASK_CONSOLE)) != 0;
}

void ask_wait(struct ask *a, const struct ask_request *rq,
	      struct ask_answer *ans)
{
	memset(ans, 0, sizeof(*ans));
	ans->uid = -1;
	ans->pid = -1;
	(void)rq;
	if (a->channels & ASK_ALLOW) {
		ans->decision = POLICY_ALLOW;
		ans->channel = "allow";
		return;
	}
	ans->decision = POLICY_DENY;
	ans->channel = (a->channels & ASK_DENY) ? "deny" : "unavailable";
}
