<?php
/**
 * The editor: the block editor's document panel (assets/js/editor-panel.js), the classic meta box, and the REST
 * routes both read (deliveries and channels from PostFlow, "Share again").
 *
 * @package PostFlow
 */

defined( 'ABSPATH' ) || exit;

/**
 * The editor panel. Every route and save checks edit_post (and its nonce: the REST cookie nonce, or the box's own).
 */
final class Postflow_Editor {

	const NONCE = 'postflow_meta_box';

	/**
	 * Hooks in.
	 */
	public static function register() {
		add_action( 'enqueue_block_editor_assets', array( __CLASS__, 'enqueue' ) );
		add_action( 'add_meta_boxes', array( __CLASS__, 'add_meta_box' ) );
		add_action( 'save_post', array( __CLASS__, 'save_meta_box' ), 10, 2 );
		add_action( 'rest_api_init', array( __CLASS__, 'register_routes' ) );
	}

	/**
	 * The block editor's panel script, from WordPress's own packages (no build step, nothing remote).
	 */
	public static function enqueue() {
		$screen = get_current_screen();
		if ( ! $screen || ! in_array( $screen->post_type, Postflow_Share_Settings::post_types(), true ) ) {
			return;
		}
		wp_enqueue_script( 'postflow-editor-panel', plugins_url( 'assets/js/editor-panel.js', POSTFLOW_FILE ), array( 'wp-plugins', 'wp-edit-post', 'wp-element', 'wp-components', 'wp-data', 'wp-core-data', 'wp-api-fetch', 'wp-i18n' ), POSTFLOW_VERSION, true );
		wp_set_script_translations( 'postflow-editor-panel', 'postflow', plugin_dir_path( POSTFLOW_FILE ) . 'languages' );
		wp_add_inline_script( 'postflow-editor-panel', 'window.postflowEditor = ' . wp_json_encode( array( 'networks' => Postflow_Share_Settings::NETWORKS ) ) . ';', 'before' );
	}

	/**
	 * The classic meta box, only where the block editor is not used.
	 */
	public static function add_meta_box() {
		foreach ( Postflow_Share_Settings::post_types() as $post_type ) {
			add_meta_box( 'postflow', __( 'PostFlow', 'postflow' ), array( __CLASS__, 'render_meta_box' ), $post_type, 'side', 'default', array( '__back_compat_meta_box' => true ) );
		}
	}

	/**
	 * The meta box.
	 *
	 * @param WP_Post $post The post edited.
	 */
	public static function render_meta_box( $post ) {
		$share = Postflow_Share_Settings::for_post( $post->ID );
		wp_nonce_field( self::NONCE, 'postflow_meta_box_nonce' );
		printf( '<p><label><input type="checkbox" name="postflow[enabled]" value="1" %s /> %s</label></p>', checked( $share['enabled'], true, false ), esc_html__( 'Share with PostFlow', 'postflow' ) );
		echo '<p><label for="postflow-timing">' . esc_html__( 'When', 'postflow' ) . '</label><br /><select id="postflow-timing" name="postflow[timing]">';
		foreach ( self::timings() as $value => $label ) {
			printf( '<option value="%s" %s>%s</option>', esc_attr( $value ), selected( $share['timing'], $value, false ), esc_html( $label ) );
		}
		echo '</select></p>';
		$at = '' === $share['at'] ? '' : wp_date( 'Y-m-d\TH:i', (int) strtotime( $share['at'] ) );
		printf( '<p><label for="postflow-at">%s</label><br /><input type="datetime-local" id="postflow-at" name="postflow[at]" value="%s" /></p>', esc_html__( 'At (site time)', 'postflow' ), esc_attr( $at ) );
		printf( '<p><label for="postflow-channels">%s</label><br /><input type="text" class="widefat" id="postflow-channels" name="postflow[channels]" value="%s" /><span class="description">%s</span></p>', esc_html__( 'Channels', 'postflow' ), esc_attr( implode( ', ', $share['channel_ids'] ) ), esc_html__( 'Channel ids, separated by commas; empty: the source rules choose.', 'postflow' ) );
		echo '<details><summary>' . esc_html__( 'A message per network', 'postflow' ) . '</summary>';
		foreach ( Postflow_Share_Settings::NETWORKS as $network ) {
			printf( '<p><label for="postflow-message-%1$s">%2$s</label><textarea class="widefat" rows="2" id="postflow-message-%1$s" name="postflow[messages][%1$s]">%3$s</textarea></p>', esc_attr( strtolower( $network ) ), esc_html( $network ), esc_textarea( $share['messages'][ $network ] ?? '' ) );
		}
		echo '</details>';
		if ( 'publish' === $post->post_status ) {
			self::render_deliveries( $post->ID );
		}
	}

	/**
	 * The deliveries PostFlow reports for a post, in the meta box.
	 *
	 * @param int $post_id The post.
	 */
	private static function render_deliveries( $post_id ) {
		$deliveries = self::deliveries( $post_id );
		echo '<h4>' . esc_html__( 'Deliveries', 'postflow' ) . '</h4>';
		if ( is_wp_error( $deliveries ) ) {
			echo '<p>' . esc_html( $deliveries->get_error_message() ) . '</p>';
			return;
		}
		if ( ! $deliveries ) {
			echo '<p>' . esc_html__( 'None yet.', 'postflow' ) . '</p>';
			return;
		}
		echo '<ul>';
		foreach ( $deliveries as $delivery ) {
			echo '<li>' . esc_html( ( $delivery['channel']['name'] ?? '' ) . ': ' . ( $delivery['status'] ?? '' ) );
			if ( ! empty( $delivery['external_url'] ) && preg_match( '#^https?://#i', (string) $delivery['external_url'] ) ) {
				echo ' <a href="' . esc_url( $delivery['external_url'], array( 'http', 'https' ) ) . '" target="_blank" rel="noopener noreferrer">' . esc_html__( 'view', 'postflow' ) . '</a>';
			}
			echo '</li>';
		}
		echo '</ul>';
	}

	/**
	 * Saves the meta box (classic editor): its nonce and edit_post, or nothing is changed.
	 *
	 * @param int     $post_id The post.
	 * @param WP_Post $post    The post.
	 */
	public static function save_meta_box( $post_id, $post ) {
		if ( ! isset( $_POST['postflow_meta_box_nonce'] ) || ! wp_verify_nonce( sanitize_key( wp_unslash( $_POST['postflow_meta_box_nonce'] ) ), self::NONCE ) ) {
			return;
		}
		if ( ( defined( 'DOING_AUTOSAVE' ) && DOING_AUTOSAVE ) || ! current_user_can( 'edit_post', $post_id ) || ! isset( $_POST['postflow'] ) || ! is_array( $_POST['postflow'] ) ) {
			return;
		}
		$input = wp_unslash( $_POST['postflow'] ); // phpcs:ignore WordPress.Security.ValidatedSanitizedInput.InputNotSanitized -- sanitized field by field below.
		// Messages are plain text sent as JSON, kept as typed (sanitize_messages); the rest are short values.
		$messages = $input['messages'] ?? array();
		unset( $input['messages'] );
		$input = map_deep( $input, 'sanitize_text_field' );
		update_post_meta( $post_id, Postflow_Share_Settings::ENABLED, ! empty( $input['enabled'] ) );
		update_post_meta( $post_id, Postflow_Share_Settings::TIMING, Postflow_Share_Settings::sanitize_timing( $input['timing'] ?? '' ) );
		update_post_meta( $post_id, Postflow_Share_Settings::AT, Postflow_Share_Settings::sanitize_at( $input['at'] ?? '' ) );
		update_post_meta( $post_id, Postflow_Share_Settings::CHANNELS, Postflow_Share_Settings::sanitize_channels( array_map( 'trim', explode( ',', (string) ( $input['channels'] ?? '' ) ) ) ) );
		update_post_meta( $post_id, Postflow_Share_Settings::MESSAGES, Postflow_Share_Settings::sanitize_messages( $messages ) );
	}

	/**
	 * The panel's routes, under /postflow/v1.
	 */
	public static function register_routes() {
		$can_edit = function ( WP_REST_Request $request ) {
			return current_user_can( 'edit_post', (int) $request['id'] );
		};
		register_rest_route(
			'postflow/v1',
			'/posts/(?P<id>\d+)/deliveries',
			array(
				'methods'             => 'GET',
				'callback'            => array( __CLASS__, 'rest_deliveries' ),
				'permission_callback' => $can_edit,
			)
		);
		register_rest_route(
			'postflow/v1',
			'/posts/(?P<id>\d+)/share',
			array(
				'methods'             => 'POST',
				'callback'            => array( __CLASS__, 'rest_share' ),
				'permission_callback' => $can_edit,
			)
		);
		register_rest_route(
			'postflow/v1',
			'/channels',
			array(
				'methods'             => 'GET',
				'callback'            => array( __CLASS__, 'rest_channels' ),
				'permission_callback' => function () {
					return current_user_can( 'edit_posts' );
				},
			)
		);
	}

	/**
	 * GET /postflow/v1/posts/<id>/deliveries.
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function rest_deliveries( WP_REST_Request $request ) {
		$deliveries = self::deliveries( (int) $request['id'] );
		return is_wp_error( $deliveries ) ? $deliveries : rest_ensure_response( array( 'deliveries' => $deliveries ) );
	}

	/**
	 * POST /postflow/v1/posts/<id>/share: shares a published item again (a new occurrence).
	 *
	 * @param WP_REST_Request $request The request.
	 * @return WP_REST_Response|WP_Error
	 */
	public static function rest_share( WP_REST_Request $request ) {
		$post = get_post( (int) $request['id'] );
		if ( ! $post || 'publish' !== $post->post_status || ! in_array( $post->post_type, Postflow_Share_Settings::post_types(), true ) ) {
			return new WP_Error( 'postflow_not_published', __( 'Only a published item can be shared.', 'postflow' ), array( 'status' => 409 ) );
		}
		return rest_ensure_response( array( 'occurrence' => Postflow_Events::share( $post ) ) );
	}

	/**
	 * GET /postflow/v1/channels: the workspace's channels from ping, cached for five minutes.
	 *
	 * @return WP_REST_Response|WP_Error
	 */
	public static function rest_channels() {
		$channels = get_transient( 'postflow_channels' );
		if ( ! is_array( $channels ) ) {
			$result = Postflow_Client::ping();
			if ( '' !== $result['error'] ) {
				return new WP_Error( 'postflow_unreachable', $result['error'], array( 'status' => 502 ) );
			}
			$channels = array();
			foreach ( (array) ( $result['data']['channels'] ?? array() ) as $channel ) {
				$channels[] = array(
					'id'      => (string) ( $channel['id'] ?? '' ),
					'name'    => (string) ( $channel['name'] ?? '' ),
					'network' => (string) ( $channel['network'] ?? '' ),
				);
			}
			set_transient( 'postflow_channels', $channels, 5 * MINUTE_IN_SECONDS );
		}
		return rest_ensure_response( array( 'channels' => $channels ) );
	}

	/**
	 * A post's deliveries from GET /wordpress/status.
	 *
	 * @param int $post_id The post.
	 * @return array|WP_Error
	 */
	private static function deliveries( $post_id ) {
		$result = Postflow_Client::status( array( $post_id ) );
		if ( '' !== $result['error'] ) {
			return new WP_Error( 'postflow_unreachable', $result['error'], array( 'status' => 502 ) );
		}
		foreach ( (array) ( $result['data']['items'] ?? array() ) as $item ) {
			if ( (string) ( $item['id'] ?? '' ) === (string) $post_id ) {
				return (array) ( $item['deliveries'] ?? array() );
			}
		}
		return array();
	}

	/**
	 * The timing choices.
	 *
	 * @return array<string, string>
	 */
	public static function timings() {
		return array(
			'QUEUE' => __( 'Add to the queue (smart scheduler)', 'postflow' ),
			'NOW'   => __( 'As soon as published', 'postflow' ),
			'AT'    => __( 'At a time', 'postflow' ),
		);
	}
}
