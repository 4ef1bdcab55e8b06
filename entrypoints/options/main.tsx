import { render } from 'preact';
import { App } from '../../src/ui/options-app.tsx';

render(<App />, document.getElementById('app')!);
