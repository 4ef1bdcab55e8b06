/** The options page: models the user installs on this device (today EMO-AffectNet), and always-on sites. */
import { AlwaysOnSites } from './always-on-sites.tsx';
import { EmoAffectNetPanel } from './emo-affectnet-panel.tsx';
import { useEmoAffectNetInstall } from './use-emo-affectnet-install.ts';
import './theme.css';
import './options.css';

export function App() {
  const install = useEmoAffectNetInstall();
  return (
    <main class="options" data-ready={install.installed === undefined ? 'false' : 'true'}>
      <h1>Affect Lens: models</h1>
      <p class="note">
        Affect Lens comes with three small emotion classifiers: its own, trained on FER+ (the default),
        face-api's and mini-Xception. A larger one, trained on AffectNet, can be added here.
      </p>
      <EmoAffectNetPanel install={install} />
      <AlwaysOnSites />
    </main>
  );
}
