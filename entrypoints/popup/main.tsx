import { render } from 'preact';
import { App } from '../../src/ui/popup-app.tsx';

render(<App />, document.getElementById('app')!);
