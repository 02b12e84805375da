import { createRoot } from 'react-dom/client';
import { readApiSettings } from './api/graphql.client';
import { App } from './app';
import './styles.css';

const root = document.getElementById('root');
if (root) createRoot(root).render(<App settings={readApiSettings(document)} />);
