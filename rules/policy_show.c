/*
 * policy_show.c - the effective policy as text: policy_show().
 *
 * The output is itself a valid policy that decides exactly like the
 * loaded one: rules appear in reading order with includes expanded in
 * place, the effective `default` comes first, and everything else
 * (sources, the expansion of `~` and `${...}`, overridden default lines)
 * is in comments. Bytes from variables and file names are escaped in the
 * comments so that they cannot start a line of their own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"

static int show_escaped(struct policy_buf *b, const char *s)
{
	return policy_buf_add_escaped(b, s, strlen(s));
}

static int show_rule(struct policy_buf *b, const struct policy_rule *r)
{
	size_t i;
	int ret;

	ret = policy_buf_adds(b, r->text);
	if (ret == 0)
		ret = policy_buf_addc(b, '\n');
	for (i = 0; i < r->nwords && ret == 0; i++) {
		const struct policy_pword *w = &r->words[i];

		if (w->raw_len == w->exp_len &&
		    memcmp(w->raw, w->exp, w->raw_len) == 0)
			continue;
		ret = policy_buf_adds(b, "#   ");
		if (ret == 0)
			ret = policy_buf_add_escaped(b, w->raw, w->raw_len);
		if (ret == 0)
			ret = policy_buf_adds(b, " = ");
		if (ret == 0)
			ret = policy_buf_add_escaped(b, w->exp, w->exp_len);
		if (ret == 0)
			ret = policy_buf_addc(b, '\n');
	}
	return ret;
}

static int show_item(struct policy_buf *b, const struct policy_item *it)
{
	int ret = 0;

	switch (it->kind) {
	case POLICY_ITEM_BEGIN:
		ret = policy_buf_adds(b, it->from ? "\n# --- include: " :
					 "\n# --- source: ");
		if (ret == 0)
			ret = show_escaped(b, it->name);
		if (ret == 0 && it->from) {
			ret = policy_buf_adds(b, " (from ");
			if (ret == 0)
				ret = show_escaped(b, it->from);
			if (ret == 0)
				ret = policy_buf_addf(b, ":%u)", it->line);
		}
		if (ret == 0)
			ret = policy_buf_addc(b, '\n');
		break;
	case POLICY_ITEM_END:
		ret = policy_buf_adds(b, "# --- end of ");
		if (ret == 0)
			ret = show_escaped(b, it->name);
		if (ret == 0)
			ret = policy_buf_addc(b, '\n');
		break;
	case POLICY_ITEM_RULE:
		ret = show_rule(b, it->rule);
		break;
	case POLICY_ITEM_DEFAULT:
		ret = policy_buf_addf(b, "# default %s (",
				      policy_decision_name(it->decision));
		if (ret == 0)
			ret = show_escaped(b, it->name);
		if (ret == 0)
			ret = policy_buf_addf(b, ":%u; the effective default "
					      "is at the top)\n", it->line);
		break;
	}
	return ret;
}

char *policy_show(const struct policy *p)
{
	struct policy_buf b;
	size_t i;
	int ret;

	if (!p)
		return NULL;
	policy_buf_init(&b);
	ret = policy_buf_addf(&b, "# Effective policy, %zu rule%s (includes "
			      "expanded in place).\n# The last matching rule "
			      "wins.\n", p->nrules, p->nrules == 1 ? "" : "s");
	if (ret == 0)
		ret = policy_buf_addf(&b, "default %s\n",
				      policy_decision_name(p->def));
	if (ret == 0 && p->def_file) {
		ret = policy_buf_adds(&b, "#   set by ");
		if (ret == 0)
			ret = show_escaped(&b, p->def_file);
		if (ret == 0)
			ret = policy_buf_addf(&b, ":%u\n", p->def_line);
	} else if (ret == 0) {
		ret = policy_buf_adds(&b, "#   no default line: deny\n");
	}
	for (i = 0; i < p->nitems && ret == 0; i++)
		ret = show_item(&b, &p->items[i]);
	if (ret < 0) {
		policy_buf_release(&b);
		return NULL;
	}
	return policy_buf_detach(&b);
}
