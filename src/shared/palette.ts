// The console's colours, for pages the engine renders itself (the browser decide page), which
// must look like the console but cannot load its stylesheet: they are self-contained. The console
// keeps these values as CSS variables in src/renderer/styles.css; a test holds the two equal.

export type PaletteName =
  | 'bg'
  | 'panel'
  | 'panel-2'
  | 'border'
  | 'border-strong'
  | 'text'
  | 'muted'
  | 'accent'
  | 'accent-text'
  | 'focus'
  | 'danger'
  | 'danger-soft'
  | 'ok'
  | 'ok-soft'
  | 'warn'
  | 'warn-soft'
  | 'orange'
  | 'orange-soft'
  | 'neutral-soft';

export const PALETTE: Record<'light' | 'dark', Record<PaletteName, string>> = {
  light: {
    bg: '#f4f5f7',
    panel: '#ffffff',
    'panel-2': '#f8f9fb',
    border: '#dfe2e8',
    'border-strong': '#c7ccd5',
    text: '#1d2027',
    muted: '#636a76',
    accent: '#2b63d9',
    'accent-text': '#ffffff',
    focus: '#2b63d9',
    danger: '#c42b2b',
    'danger-soft': '#fdecec',
    ok: '#1b7a3a',
    'ok-soft': '#e5f4ea',
    warn: '#946200',
    'warn-soft': '#fdf3d8',
    orange: '#b4500a',
    'orange-soft': '#fdebdc',
    'neutral-soft': '#eceef2',
  },
  dark: {
    bg: '#131518',
    panel: '#1b1e23',
    'panel-2': '#202329',
    border: '#2e323a',
    'border-strong': '#3d434d',
    text: '#e3e6eb',
    muted: '#9aa2ae',
    accent: '#5b8def',
    'accent-text': '#0d1117',
    focus: '#7aa5f7',
    danger: '#f0706a',
    'danger-soft': '#3a1f21',
    ok: '#5cc47f',
    'ok-soft': '#1a3123',
    warn: '#e3b341',
    'warn-soft': '#3a301a',
    orange: '#f0955a',
    'orange-soft': '#3d2817',
    'neutral-soft': '#2a2e35',
  },
};

/** The risk colours of the console's badges and approval cards: [text, background]. */
export const RISK_TONES: Record<string, [PaletteName, PaletteName]> = {
  low: ['ok', 'ok-soft'],
  medium: ['warn', 'warn-soft'],
  high: ['orange', 'orange-soft'],
  critical: ['danger', 'danger-soft'],
};

/** The palette as CSS custom properties (`--bg: #f4f5f7; …`), the names styles.css uses. */
export function cssVariables(colours: Record<PaletteName, string>): string {
  return Object.entries(colours)
    .map(([name, value]) => `--${name}: ${value};`)
    .join(' ');
}
