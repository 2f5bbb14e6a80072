import { describe, expect, it } from 'vitest';
import { table } from '../../src/cli/context.js';
import { Progress } from '../../src/cli/progress.js';
import { printable, printableLines } from '../../src/cli/terminal.js';

/** A station name that would clear the screen, forge a line, and reverse the rest of the line. */
const hostile = 'ST\x1b[2J\x1b]0;owned\x07\nseiscluster: done\r\u202eevil\x7f\x9b';

describe('names from data cannot drive the terminal', () => {
  it('every control character, line break and bidi override is shown as an escape', () => {
    expect(printable(hostile)).toBe('ST\\x1b[2J\\x1b]0;owned\\x07\\nseiscluster: done\\r\\u202eevil\\x7f\\x9b');
    expect(printable('Zürich STA_01')).toBe('Zürich STA_01');
  });
  it('multi-line text keeps its own line breaks only', () => {
    expect(printableLines(`a\n${printable(hostile)}`).split('\n')).toHaveLength(2);
    expect(printableLines('a\x1b[1Ab\nc')).toBe('a\\x1b[1Ab\nc');
  });
  it('a table cell holding a line break stays on its row', () => {
    const text = table(['station', 'records'], [[hostile, '3']]);
    expect(text.split('\n')).toHaveLength(3);
    expect(text).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202e]/);
  });
  it('a progress line escapes a data set name', () => {
    const line = new Progress(hostile, 10, { enabled: false }).line(0, 'loss 1');
    expect(line).not.toMatch(/[\x00-\x1f\x7f-\x9f\u202e]/);
    expect(line).toContain('\\x1b[2J');
  });
});
