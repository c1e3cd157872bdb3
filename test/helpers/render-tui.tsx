/**
 * ink-testing-library's render, with the component inside the app's KeyRouter as the TUI draws
 * it (tui/main.tsx): keys reach a screen the moment it shows, one at a time.
 */
import { render as inkRender } from 'ink-testing-library';
import type { ReactElement } from 'react';
import { KeyRouter } from '../../src/tui/hooks/use-keys.js';

export function render(tree: ReactElement): ReturnType<typeof inkRender> {
  const ui = inkRender(<KeyRouter>{tree}</KeyRouter>);
  return { ...ui, rerender: (next: ReactElement) => ui.rerender(<KeyRouter>{next}</KeyRouter>) };
}
