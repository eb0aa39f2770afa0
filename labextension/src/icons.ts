import { LabIcon } from '@jupyterlab/ui-components';

const stagesSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <rect x="3" y="3" width="4" height="18" rx="1"/>
    <rect x="9" y="5" width="12" height="3" rx="1"/>
    <rect x="9" y="10.5" width="9" height="3" rx="1"/>
    <rect x="9" y="16" width="11" height="3" rx="1"/>
  </g>
</svg>`;

const runsSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M3 20h18v2H3z"/>
    <rect x="4" y="12" width="3.5" height="7"/>
    <rect x="10" y="6" width="3.5" height="13"/>
    <rect x="16" y="9" width="3.5" height="10"/>
  </g>
</svg>`;

const tagSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M21.4 11.6l-9-9A2 2 0 0 0 11 2H4a2 2 0 0 0-2 2v7c0 .55.22 1.05.59 1.42l9 9a2 2 0 0 0 2.82 0l7-7a2 2 0 0 0 0-2.82zM6.5 8A1.5 1.5 0 1 1 6.5 5a1.5 1.5 0 0 1 0 3z"/>
</svg>`;

const pipelineSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <circle cx="5" cy="12" r="3"/><circle cx="19" cy="5" r="3"/><circle cx="19" cy="19" r="3"/>
    <path d="M7.5 11l9-5 .9 1.7-9 5zM7.5 13l9 5-.9 1.7-9-5z"/>
  </g>
</svg>`;

export const stagesIcon = new LabIcon({ name: 'jupyter-lifecycle:stages', svgstr: stagesSvg });
export const runsIcon = new LabIcon({ name: 'jupyter-lifecycle:runs', svgstr: runsSvg });
export const tagIcon = new LabIcon({ name: 'jupyter-lifecycle:tag', svgstr: tagSvg });
export const pipelineIcon = new LabIcon({ name: 'jupyter-lifecycle:pipeline', svgstr: pipelineSvg });
