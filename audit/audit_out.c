/*
 * audit_out.c - tables, JSON, JSON Lines and CSV from SQLite rows.
 *
 * Purpose: the formatting side of the `proctor audit` queries, kept away
 * from the SQL so that every command prints the same way.
 *
 * Must never: print a terminal control character from the database raw
 * in a table (an agent chose those paths); they are shown as '?'.
 */
#include "audit_out.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit_schema.h"

static struct json_object *cell_json(sqlite3_stmt *st, int i)
{
	const char *name = sqlite3_column_name(st, i);
	const char *s;
	struct json_object *o;
	int len;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_object_new_int64(sqlite3_column_int64(st, i));
	case SQLITE_FLOAT:
		return json_object_new_double(sqlite3_column_double(st, i));
	case SQLITE_NULL:
		return NULL;
	default:
		s = (const char *)sqlite3_column_text(st, i);
		len = sqlite3_column_bytes(st, i);
		if (name && strcmp(name, "argv") == 0 && len && s[0] == '[') {
			o = json_tokener_parse(s);
			if (o && json_object_is_type(o, json_type_array))
				return o;
			json_object_put(o);
		}
		return json_object_new_string_len(s ? s : "", len);
	}
}

struct json_object *audit_out_row_json(sqlite3_stmt *st)
{
	struct json_object *o = json_object_new_object();
	int i, n = sqlite3_column_count(st);

	for (i = 0; o && i < n; i++)
		json_object_object_add(o, sqlite3_column_name(st, i),
				       cell_json(st, i));
	return o;
}

struct json_object *audit_out_rows_json(sqlite3_stmt *st)
{
	struct json_object *arr = json_object_new_array();
	int rc = SQLITE_DONE;

	if (arr)
		rc = sqlite3_step(st);
	for (; arr && rc == SQLITE_ROW; rc = sqlite3_step(st))
		json_object_array_add(arr, audit_out_row_json(st));
	if (arr && rc != SQLITE_DONE) {
		json_object_put(arr);
		arr = NULL;
	}
	sqlite3_reset(st);
	return arr;
}

void audit_out_print_json(struct json_object *o, FILE *f)
{
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					     JSON_C_TO_STRING_NOSLASHESCAPE),
	      f);
	fputc('\n', f);
}

int audit_out_json(sqlite3_stmt *st, FILE *f)
{
	struct json_object *o;
	int rc, first = 1;

	fputc('[', f);
	for (rc = sqlite3_step(st); rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		o = audit_out_row_json(st);
		if (!first)
			fputc(',', f);
		fputc('\n', f);
		fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN
			| JSON_C_TO_STRING_NOSLASHESCAPE), f);
		json_object_put(o);
		first = 0;
	}
	fputs(first ? "]\n" : "\n]\n", f);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : audit_sqlite_errno(rc);
}

int audit_out_jsonl(sqlite3_stmt *st, FILE *f, const char *kind)
{
	struct json_object *o, *row;
	int rc;

	for (rc = sqlite3_step(st); rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		row = audit_out_row_json(st);
		if (kind) {
			o = json_object_new_object();
			json_object_object_add(o, "record",
					       json_object_new_string(kind));
			json_object_object_foreach(row, key, val)
				json_object_object_add(o, key,
						       json_object_get(val));
			json_object_put(row);
			row = o;
		}
		audit_out_print_json(row, f);
		json_object_put(row);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : audit_sqlite_errno(rc);
}

static void csv_cell(FILE *f, const char *s, size_t len)
{
	size_t k;

	if (!memchr(s, ',', len) && !memchr(s, '"', len) &&
	    !memchr(s, '\n', len) && !memchr(s, '\r', len)) {
		fwrite(s, 1, len, f);
		return;
	}
	fputc('"', f);
	for (k = 0; k < len; k++) {
		if (s[k] == '"')
			fputc('"', f);
		fputc(s[k], f);
	}
	fputc('"', f);
}

int audit_out_csv(sqlite3_stmt *st, FILE *f)
{
	const char *name;
	int i, n = sqlite3_column_count(st), rc;

	for (i = 0; i < n; i++) {
		name = sqlite3_column_name(st, i);
		if (i)
			fputc(',', f);
		csv_cell(f, name, strlen(name));
	}
	fputs("\r\n", f);
	for (rc = sqlite3_step(st); rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		for (i = 0; i < n; i++) {
			if (i)
				fputc(',', f);
			if (sqlite3_column_type(st, i) == SQLITE_NULL)
				continue;
			csv_cell(f, (const char *)sqlite3_column_text(st, i),
				 (size_t)sqlite3_column_bytes(st, i));
		}
		fputs("\r\n", f);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : audit_sqlite_errno(rc);
}

/* A printable copy of a cell, cut to maxw characters (caller frees). */
static char *cell_text(sqlite3_stmt *st, int i, size_t maxw)
{
	const unsigned char *s;
	size_t len, k, cut;
	char *out;

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return strdup("-");
	s = sqlite3_column_text(st, i);
	len = (size_t)sqlite3_column_bytes(st, i);
	cut = maxw && len > maxw ? maxw - 3 : len;
	out = malloc(cut + 4);
	if (!out)
		return NULL;
	for (k = 0; k < cut; k++)
		out[k] = s[k] < 0x20 || s[k] == 0x7f ? '?' : (char)s[k];
	if (cut < len) {
		memcpy(out + cut, "...", 3);
		cut += 3;
	}
	out[cut] = '\0';
	return out;
}

/* Display width of UTF-8 text, counting code points. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

int audit_out_table(sqlite3_stmt *st, FILE *f, size_t maxw)
{
	char **cells = NULL, **grown;
	size_t *w = NULL, nrows = 0, cap = 0, k, pad;
	int i, n = sqlite3_column_count(st), rc, ret = 0;

	w = calloc((size_t)n + 1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		w[i] = width(sqlite3_column_name(st, i));
	for (rc = sqlite3_step(st); rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		if ((nrows + 1) * (size_t)n > cap) {
			cap = cap ? cap * 2 : (size_t)n * 64;
			grown = realloc(cells, cap * sizeof(*cells));
			if (!grown) {
				ret = -ENOMEM;
				goto out;
			}
			cells = grown;
		}
		for (i = 0; i < n; i++) {
			cells[nrows * n + i] = cell_text(st, i, maxw);
			if (!cells[nrows * n + i])
				cells[nrows * n + i] = strdup("?");
			if (cells[nrows * n + i] &&
			    width(cells[nrows * n + i]) > w[i])
				w[i] = width(cells[nrows * n + i]);
		}
		nrows++;
	}
	if (rc != SQLITE_DONE) {
		ret = audit_sqlite_errno(rc);
		goto out;
	}
	for (i = 0; i < n; i++) {
		fputs(sqlite3_column_name(st, i), f);
		for (pad = width(sqlite3_column_name(st, i));
		     i + 1 < n && pad < w[i] + 2; pad++)
			fputc(' ', f);
	}
	fputc('\n', f);
	for (k = 0; k < nrows; k++) {
		for (i = 0; i < n; i++) {
			const char *c = cells[k * n + i] ? cells[k * n + i] :
				"?";
			fputs(c, f);
			for (pad = width(c); i + 1 < n && pad < w[i] + 2;
			     pad++)
				fputc(' ', f);
		}
		fputc('\n', f);
	}
out:
	for (k = 0; k < nrows * (size_t)n; k++)
		free(cells[k]);
	free(cells);
	free(w);
	sqlite3_reset(st);
	return ret;
}
