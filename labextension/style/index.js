import './base.css';
import './doctor.css';
import './runview.css';
