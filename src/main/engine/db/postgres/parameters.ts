// The repositories write parameters as better-sqlite3 takes them: `?` in order, or `@name` bound
// from one object. PostgreSQL numbers them ($1, $2…). Quoted text, quoted identifiers and comments
// are copied unchanged, so a `?` or `@` inside them is not a parameter.

export interface TranslatedSql {
  text: string;
  /** The values for $1…$n from a statement's arguments (positional values, or one object of named ones). */
  bind(params: unknown[]): unknown[];
}

export function translateParameters(sql: string): TranslatedSql {
  let text = '';
  let positional = 0;
  const names: string[] = [];
  for (let i = 0; i < sql.length; ) {
    const char = sql[i]!;
    if (char === "'" || char === '"') {
      const end = closingQuote(sql, i, char);
      text += sql.slice(i, end);
      i = end;
    } else if (char === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      text += sql.slice(i, stop);
      i = stop;
    } else if (char === '?') {
      text += `$${++positional}`;
      i++;
    } else if (char === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))![0];
      let index = names.indexOf(name);
      if (index < 0) index = names.push(name) - 1;
      text += `$${index + 1}`;
      i += 1 + name.length;
    } else {
      text += char;
      i++;
    }
  }
  if (positional > 0 && names.length > 0) throw new Error('A statement mixes ? and @name parameters.');
  if (names.length > 0) {
    return {
      text,
      bind(params) {
        const values = params[0];
        if (params.length !== 1 || typeof values !== 'object' || values === null) throw new TypeError('A statement with @name parameters takes one object of values.');
        return names.map((name) => {
          if (!(name in values)) throw new RangeError(`Missing named parameter "${name}"`);
          return toPostgres((values as Record<string, unknown>)[name]);
        });
      },
    };
  }
  return {
    text,
    bind(params) {
      // A list query may hand its named values to a statement that happens to use none of them.
      if (positional === 0 && params.length === 1 && typeof params[0] === 'object' && params[0] !== null) return [];
      if (params.length !== positional) throw new RangeError(`The statement takes ${positional} values; ${params.length} were given.`);
      return params.map(toPostgres);
    },
  };
}

function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      // A doubled quote is one quote character inside the text.
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

/** better-sqlite3 binds bigint as an integer; the driver takes it as text, which PostgreSQL casts. */
function toPostgres(value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
